import os

from django.core.wsgi import get_wsgi_application

os.umask(0o077)  # files under ./var are the owner's only (see settings._restrict_var_dir)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketdock.settings")
application = get_wsgi_application()
