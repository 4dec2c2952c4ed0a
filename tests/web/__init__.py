"""Browser journeys (Playwright on Debian chromium) and the web pages."""
