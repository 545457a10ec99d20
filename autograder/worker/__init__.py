"""The untrusted side: code that runs inside the worker process, next to student code.

Nothing here may hold a secret: the worker (and so the student) can read it. The trusted
side imports only ``wire``, the plain-data codec.
"""
