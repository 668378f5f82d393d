"""Sign-in for the web app: one-time sign-in links and server-side sessions behind an HttpOnly cookie."""
