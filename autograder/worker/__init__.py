"""The untrusted side: code that runs inside the worker process, next to student code.

Nothing here may hold a secret: the worker (and so the student) can read it. The trusted
side imports some of it, none of which imports student code by itself: the plain data
(``tree``, the value trees and their tags; ``protocol``, calls and answers; ``wire``, the
codec), the comparison rule (``closeness``), and the call harness it runs against the
reference so that both sides are called the same way (``probes``, the Session, with
``builder``, ``train``, ``imports``, ``optimizers`` and ``plugin_api``, the namespace a
course plugin gets as ``session.api``).
"""
