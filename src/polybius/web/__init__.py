"""The HTTP API and browser dashboard over the store (`polybius serve`): `app.create_app` builds the ASGI app
over `polybius.query`; `static/` holds the dashboard's bundled assets."""
