"""The untrusted side: code that runs inside the worker process, next to student code.

Nothing here may hold a secret: the worker (and so the student) can read it. The trusted
side imports two modules of it, neither of which imports student code: ``wire``, the
plain-data codec, and ``probes``, which it runs against the reference so that both sides
are called the same way.
"""
