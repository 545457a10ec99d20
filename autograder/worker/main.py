"""Worker entry point: ``python -I -B -u main.py IN_FD OUT_FD CONFIG_JSON``, where the
config names the submission's modules and the course plugin staged beside it.

Answers one request frame at a time. Every exception of student code, SystemExit
included, becomes an error answer; the grader decides what it costs.
"""
import importlib
import json
import os
import sys
import traceback

STAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAX_MESSAGE = 2000


def describe(exc):
    """Type, message and the innermost frame inside the submission, as plain strings."""
    try:
        message = str(exc)[:MAX_MESSAGE]
    except BaseException:  # a hostile __str__
        message = "<unprintable>"
    where = None
    if isinstance(exc, SyntaxError) and exc.filename:
        where = {"file": os.path.basename(exc.filename), "line": exc.lineno,
                 "code": (exc.text or "").strip()[:200]}
    else:
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            if os.sep + "submission" + os.sep in frame.filename:
                where = {"file": os.path.basename(frame.filename), "line": frame.lineno,
                         "code": (frame.line or "")[:200]}
                break
    # the served helpers' machinery failing (served.ServedError) is the grader's error, not the student's
    engine = type(exc).__name__ == "ServedError" and type(exc).__module__.rpartition(".")[2] == "served"
    answer = {"type": type(exc).__name__, "message": message, "where": where, "engine": engine}
    if type(exc).__name__ == "Undefined" and type(exc).__module__.rpartition(".")[2] == "probes":
        answer["undefined"] = {"module": exc.module, "name": exc.name}  # a contract name the submission lacks
    return answer


def imported(session, module, stand_ins, own):
    """Import a module of the submission; the answer names what stands in for a module: the
    packages not installed here and the student's own files that raised at import."""
    session.load(module)
    return {"stand_ins": stand_ins.used,
            "own_failed": [{"file": file, "error": describe(exc)} for file, exc in own.failed()]}


def main():
    in_fd, out_fd = int(sys.argv[1]), int(sys.argv[2])
    sys.path[:0] = [STAGE, os.path.join(STAGE, "submission")]
    import torch

    from agworker import dynamo, imports, probes, served, wire

    dynamo.defer()  # torch's compiler loads only if the submission compiles (dynamo.py says why)
    torch.set_num_threads(1)
    reader, writer = os.fdopen(in_fd, "rb", buffering=0), os.fdopen(out_fd, "wb", buffering=0)
    config = json.loads(sys.argv[3])
    if config.get("aliases"):
        sys.meta_path.insert(0, imports.Aliases(config["aliases"]))
    submission = os.path.join(STAGE, "submission") + os.sep
    stand_ins = imports.StandIns(**config["stand_ins"], stage=submission)
    sys.meta_path.append(stand_ins)
    own = imports.OwnModules(config["own"], submission)
    sys.meta_path.insert(0, own)
    plugin = importlib.import_module(config["plugin"]) if config.get("plugin") else None
    session = probes.Session(config["modules"], plugin, channel=served.Channel(reader, writer, wire),
                             stage=submission, import_first=config["import_first"])
    writer.write(wire.encode({"event": "ready", "torch": torch.__version__,
                              "cuda": torch.cuda.is_available()}))
    while True:
        try:
            request, arrays = wire.decode(reader.read)
        except EOFError:
            return
        try:
            if request.get("op") == "import":
                answer, out = imported(session, request["module"], stand_ins, own), []
            else:
                answer, out = session.call(request, arrays)
            frame = wire.encode({"ok": True, **answer}, out)
        except BaseException as exc:  # noqa: B036 - student code may raise anything
            frame = wire.encode({"ok": False, "error": describe(exc)})
        writer.write(frame)


if __name__ == "__main__":
    main()
