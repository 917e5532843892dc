from . import segments
