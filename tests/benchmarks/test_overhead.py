from benchmarks.overhead import summarize

MAIN = "_run_module_as_main (<frozen runpy>:198);<module> (pipelines/tag_articles.py:150)"
GRAPH = f"{MAIN};run (pipelines/tag_articles.py:120);Pipeline.run (apache_beam/pipeline.py:600)"
TAG = f"{GRAPH};process_encoded (apache_beam/runners/worker/bundle_processor.py:263)"
TAG += ";_TagArticlesFn.process (transforms/tagging/tag.py:55)"


def test_samples_are_sorted_into_spacy_steps_beam_and_outside_the_graph():
    raw = "\n".join(
        [
            f"{TAG};tag_batch (transforms/tagging/spacy_vader.py:90);"
            "Language.pipe (spacy/language.py:1600);_pipe (spacy/util.py:1753) 40",
            f"{TAG};_analyse (transforms/tagging/spacy_vader.py:124) 7",
            f"{TAG};_analyse (transforms/tagging/spacy_vader.py:130) 2",
            f"{GRAPH};process_encoded (apache_beam/runners/worker/bundle_processor.py:263);"
            "<lambda> (apache_beam/coders/coders.py:914) 3",
            f"{MAIN};_find_and_load (<frozen importlib._bootstrap>:1176) 5",
            "Thread._bootstrap (threading.py:1002);Event.wait (threading.py:629) 100",
        ]
    )
    assert summarize(raw) == {
        "spaCy Language.pipe": 40,
        "step: _TagArticlesFn.process": 9,
        "Beam itself (coders, bundles)": 3,
        "outside the graph: <module>": 5,
    }
