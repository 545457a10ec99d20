"""Trusted code that starts, confines, talks to and stops the untrusted worker."""
