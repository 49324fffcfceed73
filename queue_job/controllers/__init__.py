from . import main, wsgi
