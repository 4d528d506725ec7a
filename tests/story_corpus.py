"""Generated copies of sample articles written for newsbeam, the way news gets republished,
with the stories they belong to. Used by tests/transforms/corpus/test_stories.py,
tests/pipelines/test_stories.py and benchmarks/stories.py."""

from __future__ import annotations

BRIDGE = [
    "The harbour authority in Tromsø approved a new ferry terminal on Tuesday after two years of debate.",
    "Councillors voted eleven to four in favour of the plan, which will replace a wooden pier built in 1962.",
    "The terminal will handle up to six departures a day to the outer islands during the summer season.",
    "Fishermen had opposed an earlier design that would have closed part of the inner harbour to small boats.",
    "The revised plan keeps a channel open along the eastern quay and moves the car queue onto reclaimed land.",
    "Construction is expected to begin in March and to last about eighteen months, the authority said.",
    "The regional government will pay two thirds of the cost, estimated at 340 million kroner.",
    "Residents of the island of Kvaløya said the new timetable would let commuters reach the city before eight.",
    "A ferry operator said it would order two electric vessels to serve the route from the new terminal.",
    "Environmental groups welcomed the electric ferries but asked for limits on night-time cruise ship calls.",
    "The mayor said the terminal would be the largest public works project in the town this decade.",
    "A public meeting on the waiting hall is planned for next month.",
]

BASES = {
    "flood": [
        "Heavy rain flooded more than two hundred homes in the valley towns of Cumbria overnight, the county council said.",
        "Firefighters rescued forty people from cars and houses as the river Eden burst its banks near Appleby.",
        "The Environment Agency issued three severe flood warnings, its highest level, for the area on Sunday morning.",
        "A rest centre opened in the secondary school in Kendal, where volunteers handed out blankets and hot food.",
        '"We have never seen the water come up this fast," said one resident who didn\'t want to be named.',
        "Rail services between Carlisle and Lancaster were suspended after a landslip covered the line near Shap.",
        "Farmers said hundreds of sheep had been moved to higher ground before the water rose in the early hours.",
        "Forecasters expect another forty millimetres of rain on Tuesday, and warned that rivers would stay high all week.",
        "The council leader said the repair bill for roads and bridges would run into millions of pounds.",
    ],
    "budget": [
        "The city of Leeds will close four libraries and cut bus subsidies under a budget approved on Wednesday night.",
        "The council must save thirty-one million pounds next year after a fall in its grant from central government.",
        "Opposition councillors said the cuts would hit older residents and families without cars the hardest.",
        '"This is the hardest budget we\'ve ever had to set," the council leader told the meeting.',
        "The deputy leader said every department had been asked to find savings of at least seven per cent.",
        "Council tax will rise by the maximum allowed without a referendum, adding about eighty pounds a year to a typical bill.",
        "A consultation last autumn drew more than nine thousand responses, most of them against the library closures.",
        "Two of the libraries may stay open if volunteer groups agree to run them, the council said.",
        "Unions warned that about two hundred posts could go, although the council hopes most will be vacancies.",
    ],
}

# Two articles on the flood, written separately: same topic, different stories.
SAME_TOPIC = {
    "flood-other": [
        "Residents of Appleby spent Monday clearing mud from their homes after the second flood in four years.",
        "Shopkeepers on the main street said insurance had become almost impossible to find since the last flood.",
        "The town's flood defences, finished in 2019, held for most of the night before water came over the wall.",
        "An engineer from the Environment Agency said the wall had been designed for a smaller flood.",
        "The local MP called for an inquiry and asked ministers to release emergency funds for repairs.",
        "Volunteers from nearby villages brought pumps and dehumidifiers and cooked meals in the church hall.",
    ],
    "flood-analysis": [
        "Why does Cumbria keep flooding? Hydrologists point to steep valleys, thin soils and heavy Atlantic rain.",
        "When storms stall over the fells, rain runs off the hills into the rivers within hours rather than days.",
        "Planting trees and restoring peat bogs upstream can slow the water, studies in the Lake District suggest.",
        "But scientists say no defence can hold back the largest floods, which are becoming more frequent.",
        "The government is spending more on flood schemes in the north west than ever before, officials say.",
        "Insurers say homes in the valley towns now face premiums several times higher than a decade ago.",
    ],
}


def variants(name: str, paragraphs: list[str]) -> dict[str, tuple[str, str]]:
    """file name -> (title, body) of an article and the copies news makes of it."""
    body = "\n\n".join(paragraphs)
    typographic = body.replace("'", "\u2019")
    while '"' in typographic:
        typographic = typographic.replace('"', "\u201c", 1).replace('"', "\u201d", 1)
    edited = list(paragraphs)
    edited[1] = edited[1].replace("said", "told reporters", 1).replace("four", "five")
    return {
        f"{name}.txt": (f"Original: {name}", body),
        f"{name}-headline.txt": (f"A new headline for the {name} story", body),
        f"{name}-dateline.txt": (
            f"Wire copy: {name}",
            f"LONDON (Newswire) - {body}\n\nReporting by A. Writer; editing by B. Editor",
        ),
        f"{name}-dropped.txt": (f"Shorter: {name}", "\n\n".join(paragraphs[:-1])),
        f"{name}-typographic.txt": (f"Typographic: {name}", typographic),
        f"{name}-edited.txt": (
            f"Updated: {name}",
            "\n\n".join(edited) + "\n\nThis story has been updated with new figures.",
        ),
    }


def corpus() -> tuple[dict[str, tuple[str, str]], list[set[str]]]:
    """Every generated article (file -> (title, body)) and the expected stories (sets of
    files; every file not in one is a story of its own)."""
    files: dict[str, tuple[str, str]] = {}
    groups = []
    for name, paragraphs in BASES.items():
        copies = variants(name, paragraphs)
        files.update(copies)
        groups.append(set(copies))
    for name, paragraphs in SAME_TOPIC.items():
        files[f"{name}.txt"] = (f"Original: {name}", "\n\n".join(paragraphs))
    # A chain: A and C share 8 of 12 paragraphs (Jaccard 0.67: apart), B shares 9 of 11 with
    # each (0.82, 0.83): B, when it arrives, bridges the stories of A and C.
    for name, part in (("bridge-a", BRIDGE[0:10]), ("bridge-b", BRIDGE[1:11]),
                       ("bridge-c", BRIDGE[2:12])):  # fmt: skip
        files[f"{name}.txt"] = (f"Ferry terminal ({name})", "\n\n".join(part))
    groups.append({"bridge-a.txt", "bridge-b.txt", "bridge-c.txt"})
    return files, groups


def raw_text(date: str, title: str, body: str) -> str:
    return f"date {date} {title}\n\n{body}\n"


def write_raw(root, names=None) -> dict[str, str]:
    """Writes the corpus (or the files in `names`) as raw files with dates spread over three
    months (a copy under a new headline on its original's day); returns file -> date."""
    files, _ = corpus()
    root.mkdir(parents=True, exist_ok=True)
    dates = {}
    for index, name in enumerate(sorted(files)):
        month = 3 if name.startswith("bridge-c") else 2 if "bridge-b" in name else 1 + index % 2
        dates[name] = f"2019-{month:02d}-{10 + index % 15:02d}"
    for name in files:  # a copy under a new headline the same day
        if name.endswith("-headline.txt"):
            dates[name] = dates[name.replace("-headline", "")]
    for name in sorted(files):
        if names is None or name in names:
            title, body = files[name]
            (root / name).write_text(raw_text(dates[name], title, body))
    return dates
