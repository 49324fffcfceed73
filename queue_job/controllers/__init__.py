from . import main, monitoring, wsgi
