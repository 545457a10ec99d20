"""The similarity report's rules, on synthetic data: the fingerprint (the same values up to
float noise hash alike, different values do not, a correct answer is never wrong), the
class-wide cache of the reference's probe answers (read by every grading but the first,
never for a grade, never for the stability check), and the ranking (rare answers shared by
two rank first, a common mistake below, correct submissions in no group)."""
import json

import numpy as np

from autograder.grader import fingerprints as rule
from autograder.grader.calls import Reply
from autograder.grader.values import Returned
from autograder.workflows import similarity


def reply(values, dtype="torch.float32"):
    array = np.asarray(values, dtype=np.float32 if dtype.endswith("32") else np.float64)
    return Reply(Returned(array, dtype, "cpu", False), [])


def test_float_noise_of_the_same_code_hashes_alike():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(64, 8)) * 3
    ulps = values * (1 + rng.uniform(-2e-7, 2e-7, size=values.shape))  # a reordered sum's noise
    same = sum(rule.fingerprint(reply(values)) == rule.fingerprint(reply(v))
               for v in (ulps, values.copy(), values.astype(np.float32)))
    assert same == 3
    assert rule.reply_agrees(reply(ulps), reply(values))


def test_near_zero_noise_rounds_to_zero():
    assert rule.fingerprint(reply([5.0, 1e-9, 2.0])) == rule.fingerprint(reply([5.0, -3e-9, 2.0]))


def test_different_mistakes_differ():
    base = np.linspace(-4, 4, 50)
    variants = [base, -base, base * 2, base + 0.05, np.where(base > 3.9, base * 1.01, base), base.mean() + 0 * base]
    assert len({rule.fingerprint(reply(v)) for v in variants}) == len(variants)
    assert rule.fingerprint(reply([1.0, 2.0])) != rule.fingerprint(reply([1.0, 2.0, 0.0]))  # shapes count
    assert rule.fingerprint(reply([1.0, 2.0])) != rule.fingerprint(reply([1.0, 2.0], "torch.float64"))


def test_a_correct_answer_is_never_wrong_and_nan_counts():
    want = reply([1.0, 2.0, float("nan")])
    assert rule.reply_agrees(reply([1.0000001, 2.0, float("nan")]), want)
    assert not rule.reply_agrees(reply([1.0, 2.01, float("nan")]), want)
    assert not rule.reply_agrees(reply([1.0, 2.0, 0.0]), want)


def test_the_watch_records_only_the_probe_pass(monkeypatch):
    watch = rule.ProbeWatch(7)
    # the reference answers f alike whatever the seed, and noisy with its torch seed (its own noise)
    answers = {"f": lambda header: [2.0, 4.0], "noisy": lambda header: [float(header["seed"])]}
    monkeypatch.setattr(rule, "decode_reply", lambda values, _: reply(values))

    class Answering:
        def answer(self, header, arrays):
            return answers[header["function"]](header), []
    watch.begin(3)
    watch(Answering(), {"function": "f", "seed": 0}, [], reply([9.0, 9.0]))
    assert not watch.functions
    watch.begin(7)
    watch(Answering(), {"function": "f", "seed": 0}, [], reply([9.0, 9.0]))
    watch(Answering(), {"function": "f", "seed": 1}, [], reply([2.0, 4.0]))
    watch(Answering(), {"function": "noisy", "seed": 0}, [], reply([5.0]))
    document = watch.document("c")
    assert document["functions"]["f"]["wrong"] == 1 and document["functions"]["f"]["fingerprint"]
    assert document["functions"]["noisy"]["fingerprint"] is None and "noise" in document["skipped"]["noisy"]


class Counting:
    """A reference that counts the requests it answers; ``values(header)`` is its answer's value."""

    def __init__(self, values):
        self.values, self.calls, self.seconds = values, 0, {}

    def answer(self, header, arrays):
        self.calls += 1
        return {"value": {"$tensor": 0}, "seed": header["seed"]}, [np.asarray(self.values(header), dtype=np.float32)]


def test_the_probe_answers_are_computed_once_for_the_class(tmp_path):
    cache = rule.ProbeCache(tmp_path / rule.CACHE).scoped(rule.VERSION, "engine", "course-digest", 7)
    header, arrays = {"function": "f", "seed": 3, "args": []}, [np.arange(4.0)]
    first, second = Counting(lambda h: [1.0, 2.0]), Counting(lambda h: [9.0, 9.0])
    watch = rule.ProbeWatch(7)
    graded = rule.CachedReference(first, cache, watch)
    watch.begin(1)  # the grading seed's pass: the reference's own answers, never kept
    assert graded.answer(header, arrays)[1][0].tolist() == [1.0, 2.0] and first.calls == 1
    assert not cache.folder.exists()
    watch.begin(7)  # the probe pass: computed once, then read by the next grading of the class
    graded.answer(header, arrays)
    probe = rule.CachedReference(second, cache, watch).answer(header, arrays)
    assert first.calls == 2 and second.calls == 0
    assert probe[0] == {"value": {"$tensor": 0}, "seed": 3} and probe[1][0].tolist() == [1.0, 2.0]
    assert rule.CachedReference(second, cache, watch).answer({**header, "seed": 4}, arrays) and second.calls == 1
    assert rule.CachedReference(second, cache, watch).answer(header, [np.arange(4.0, dtype=np.float32)]) \
        and second.calls == 2  # another dtype is another request
    other = rule.ProbeCache(tmp_path / rule.CACHE).scoped(rule.VERSION, "engine", "edited-course", 7)
    assert other.folder != cache.folder  # an edited course never reads these answers
    for damaged in cache.folder.glob("answer-*"):
        damaged.write_bytes(b"\x00\x01")
    assert rule.CachedReference(second, cache, watch).answer(header, arrays)[1][0].tolist() == [9.0, 9.0]


def test_a_forms_stability_is_decided_once_for_the_class_by_the_reference_itself(tmp_path, monkeypatch):
    monkeypatch.setattr(rule, "decode_reply", lambda header, arrays: reply(arrays[0]))
    cache = rule.ProbeCache(tmp_path).scoped("same class")
    noisy = Counting(lambda header: [float(header["seed"])])  # its answer moves with the torch seed
    first = rule.ProbeWatch(7, cache)
    first.begin(7)
    first(rule.CachedReference(noisy, cache, first), {"function": "noisy", "seed": 0}, [], reply([5.0]))
    assert first.skipped() == {"noisy": rule.NOISY} and noisy.calls == 3  # the answer, again, reseeded
    later = rule.ProbeWatch(7, cache)
    later.begin(7)
    later(rule.CachedReference(noisy, cache, later), {"function": "noisy", "seed": 0}, [], reply([5.0]))
    assert later.skipped() == {"noisy": rule.NOISY} and noisy.calls == 3  # known: no answer asked at all
    # a reference that never answers alike is caught though its first answer comes from the cache
    drifting = Counting(lambda header: [float(drifting.calls)])
    watch = rule.ProbeWatch(7, rule.ProbeCache(tmp_path).scoped("another class"))
    watch.begin(7)
    cached = rule.CachedReference(drifting, watch.cache, watch)
    cached.answer({"function": "g", "seed": 0}, [])  # another grading kept the answer
    watch(cached, {"function": "g", "seed": 0}, [], reply([1.0]))
    assert watch.skipped() == {"g": rule.UNSTABLE}


def probed(name, wrong, hints=None):
    return similarity.Probed(name, name, dict(wrong), dict(hints or {}))


def synthetic_class():
    """30 submissions: most share a common (hinted) mistake of f, ten are correct, a few make
    one-off mistakes; two pairs share rare wrong answers on several functions."""
    class_ = []
    for i in range(30):
        wrong = {}
        if i % 3:
            wrong["f"] = "common"
        if i % 7 == 0:
            wrong["g"] = f"own-{i}"
        class_.append(probed(f"s{i:02d}", wrong, {"f": "hint: a known mistake"} if "f" in wrong else {}))
    class_.append(probed("copy1", {"f": "common", "g": "rare-g", "h": "rare-h"}, {"f": "hint: a known mistake"}))
    class_.append(probed("copy2", {"f": "common", "g": "rare-g", "h": "rare-h"}, {"f": "hint: a known mistake"}))
    class_.append(probed("pairA", {"k": "rare-k"}))
    class_.append(probed("pairB", {"k": "rare-k"}))
    class_.append(probed("right", {}))
    return class_


def test_planted_rare_pairs_rank_first():
    found = similarity.analyse(synthetic_class())
    top = [(p.a, p.b) for p in found.pairs[:2]]
    assert top == [("copy1", "copy2"), ("pairA", "pairB")]
    assert set(found.pairs[0].functions) == {"f", "g", "h"}
    common_only = [p for p in found.pairs if p.functions == ("f",)]
    assert common_only and all(p.score < found.pairs[1].score / 2 for p in common_only)
    grouped = {m for g in found.groups for m in g.members}
    assert "right" not in grouped and not {f"s{i:02d}" for i in range(0, 30, 3)} & grouped  # correct or one-off
    common = next(g for g in found.groups if g.fingerprint == "common")
    assert common.hint == "hint: a known mistake" and len(common.members) == 22


def test_everyone_sharing_a_mistake_is_no_evidence():
    found = similarity.analyse([probed(f"s{i}", {"f": "same"}) for i in range(5)])
    assert found.groups and not found.pairs


def test_report_files_from_a_batch_folder(tmp_path):
    from autograder.workflows.graded import Graded
    batch = [Graded(p.name, ()) for p in synthetic_class()]
    seed = similarity.probe_seed(tmp_path, avoid=1)
    assert similarity.probe_seed(tmp_path) == seed != 1  # drawn once, kept
    for p in synthetic_class():
        functions = {f: {"calls": 2, "raised": 0, "wrong": 2, "fingerprint": fp, "hint": p.hints.get(f)}
                     for f, fp in p.wrong.items()}
        (tmp_path / p.name).mkdir()
        (tmp_path / p.name / rule.FILE).write_text(json.dumps(
            {"version": rule.VERSION, "digits": rule.DIGITS, "probe_seed": seed, "course": "c",
             "functions": functions, "skipped": {"sample": rule.NOISY}}))
    (tmp_path / "s01" / rule.FILE).write_text(json.dumps({"version": rule.VERSION, "probe_seed": seed + 1}))
    paths, line = similarity.write(tmp_path, batch, tmp_path)
    assert "copy1 & copy2" in line
    rows = paths["similarity.csv"].read_text().splitlines()
    assert rows[1].startswith("1,copy1,copy2,") and ",2/35," not in rows[1] and "2/34" in rows[1]
    text = paths["similarity.txt"].read_text()
    assert "Not probed (1" in text and "s01" in text and "sample: draws its own noise" in text
    assert paths["similarity.png"].stat().st_size > 1000
