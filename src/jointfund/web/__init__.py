"""The web application: server-rendered pages (Jinja2), static JS/CSS served by the app, English and
Ukrainian."""
