"""Generated articles on a few clearly different subjects, written for newsbeam's topic tests
(tests/transforms/corpus/test_topics.py, tests/pipelines/test_topics.py) and
benchmarks/topics_eval.py. Each article is a random draw of its subject's sentences with a few
sentences any news article could hold; its file name and folder say nothing of its subject."""

from __future__ import annotations

import datetime as dt
import random

SUBJECTS: dict[str, dict[str, list[str]]] = {
    "rates": {
        "titles": [
            "Central bank holds interest rates",
            "Inflation slows as rate cut nears",
            "Interest rates stay on hold",
            "Bank of England weighs a rate cut",
            "Mortgage costs ease as inflation falls",
            "Markets bet on lower interest rates",
        ],
        "sentences": [
            "The Bank of England kept interest rates unchanged at its meeting on Thursday.",
            "Inflation fell to 2.1 per cent last month, close to the central bank's target.",
            "Economists expect the first interest rate cut before the summer.",
            "Mortgage lenders have already lowered their fixed rates in anticipation.",
            "The monetary policy committee voted seven to two to hold interest rates.",
            "Governor Andrew Bailey said inflation was falling faster than expected.",
            "Bond yields dropped after the decision as traders priced in lower interest rates.",
            "Core inflation, which strips out food and energy prices, remained stubborn.",
            "The pound weakened against the dollar after the central bank's statement.",
            "Higher interest rates have squeezed household budgets for two years.",
            "The central bank said wage growth was still too strong for an early rate cut.",
            "Savers have enjoyed better returns while interest rates stayed high.",
            "The Federal Reserve is also expected to cut interest rates this year.",
            "Business investment has stalled as borrowing costs rose with interest rates.",
            "Inflation expectations among households eased for the third month.",
            "The bank's forecast shows inflation returning to target next spring.",
        ],
    },
    "football": {
        "titles": [
            "Liverpool reach the Champions League final",
            "Late goal sinks Arsenal",
            "Champions League draw pairs old rivals",
            "Striker scores twice in cup win",
            "Manager praises young squad after victory",
            "Title race goes to the final day",
        ],
        "sentences": [
            "Liverpool beat Real Madrid 2-1 in the Champions League semi-final on Wednesday.",
            "The striker scored twice in the second half to settle the match.",
            "The manager praised his players for their character after the final whistle.",
            "Arsenal conceded a late goal from a corner in stoppage time.",
            "The goalkeeper made three fine saves to keep his side in the match.",
            "Fans sang in the stadium long after the final whistle.",
            "The Champions League final will be played in Munich in May.",
            "The midfielder was shown a red card for a reckless tackle.",
            "The club confirmed that its captain would miss the next match through injury.",
            "The title race will be decided on the last day of the league season.",
            "The winger crossed for the striker to head the opening goal.",
            "The referee awarded a penalty after a handball in the area.",
            "The home side dominated possession but struggled to create chances.",
            "The defender signed a new four-year contract with the club.",
            "The coach said the squad would rest before the cup final.",
            "The striker has now scored thirty goals in all competitions this season.",
        ],
    },
    "wildfire": {
        "titles": [
            "Wildfire forces thousands to evacuate",
            "Firefighters battle blaze in heatwave",
            "Wildfire smoke blankets the city",
            "Evacuation orders widen as fire spreads",
            "Dry winds fan the wildfire",
            "Firefighters contain part of the blaze",
        ],
        "sentences": [
            "A wildfire forced thousands of residents to evacuate their homes overnight.",
            "Firefighters battled the blaze with water-bombing aircraft and bulldozers.",
            "Strong winds and dry vegetation helped the fire spread across the hills.",
            "The fire service said the blaze was only ten per cent contained.",
            "Smoke from the wildfire drifted over the city and closed schools.",
            "Evacuation orders were extended to three more villages on Tuesday.",
            "The heatwave pushed temperatures above forty degrees for a fifth day.",
            "Volunteer firefighters joined the crews on the front line of the fire.",
            "Several houses and a school were destroyed as the flames reached the valley.",
            "Officials warned that the fire danger would remain extreme all week.",
            "Helicopters dropped water on the flames near the motorway.",
            "Residents returned to find their homes reduced to ash.",
            "The wildfire has burned more than twelve thousand hectares of forest.",
            "Investigators are trying to find out what started the fire.",
            "Air quality warnings were issued because of the thick smoke.",
            "Firefighters hope cooler weather will help them contain the blaze.",
        ],
    },
    "election": {
        "titles": [
            "Polls open in a tight election",
            "Opposition leader concedes defeat",
            "Voters head to the polls",
            "Election campaign enters final week",
            "Coalition talks begin after election",
            "Turnout rises in the general election",
        ],
        "sentences": [
            "Voters went to the polls on Sunday in a closely fought general election.",
            "The opposition leader conceded defeat shortly after midnight.",
            "Turnout was higher than at the last election, the electoral commission said.",
            "Opinion polls had predicted a narrow lead for the governing party.",
            "The prime minister thanked voters in a speech to party supporters.",
            "Coalition talks are expected to take several weeks.",
            "The electoral commission will publish the final results on Monday.",
            "Campaigners knocked on doors in marginal constituencies until the last hour.",
            "The governing party lost its majority in parliament.",
            "Young voters turned out in record numbers at the polling stations.",
            "The candidates clashed over taxes and health care in the final debate.",
            "Postal votes will be counted over the next two days.",
            "The new parliament will meet for the first time next month.",
            "Election observers said the vote had been free and fair.",
            "The smaller parties gained seats at the expense of the main parties.",
            "The party leader promised to form a government within a fortnight.",
        ],
    },
    "vaccine": {
        "titles": [
            "Malaria vaccine trial shows strong results",
            "Regulator approves new vaccine",
            "Vaccine rollout begins in clinics",
            "Researchers report vaccine trial data",
            "Health officials urge vaccination",
            "New vaccine cuts hospital admissions",
        ],
        "sentences": [
            "The vaccine cut cases of severe malaria by seventy per cent in the trial.",
            "Researchers followed more than four thousand children for two years.",
            "The medicines regulator approved the vaccine for use in young children.",
            "Health officials urged parents to get their children vaccinated.",
            "The vaccine is given in three doses a month apart, with a booster a year later.",
            "The World Health Organization said the results were very encouraging.",
            "Side effects were mild and included fever and a sore arm.",
            "Clinics began the vaccine rollout in rural districts on Monday.",
            "The trial was run by scientists at the University of Oxford.",
            "Hospital admissions for malaria fell sharply in the vaccinated group.",
            "The manufacturer plans to produce one hundred million doses a year.",
            "Researchers will publish the full trial data in a medical journal.",
            "Vaccination rates remain low in remote areas without clinics.",
            "The health ministry said nurses had been trained to give the vaccine.",
            "Scientists hope the vaccine will save tens of thousands of lives each year.",
            "Doctors said the vaccine should be used alongside bed nets.",
        ],
    },
}
COMMON = [
    "The announcement was made on Tuesday morning.",
    "More details are expected later this week.",
    "Officials did not respond to requests for comment.",
    "The news was widely shared on social media.",
    "Local newspapers carried the story on their front pages.",
    "Reporters gathered outside the building for the statement.",
]


def topic_corpus(per_subject: int = 12, seed: int = 29) -> dict[str, tuple[str, bytes]]:
    """`n{i}.txt` -> (subject, file bytes) for `per_subject` articles of each subject, in an
    order that mixes the subjects; dates spread over March 2019."""
    rng = random.Random(seed)
    items = [(subject, i) for subject in SUBJECTS for i in range(per_subject)]
    rng.shuffle(items)
    files = {}
    for n, (subject, i) in enumerate(items):
        pools = SUBJECTS[subject]
        title = f"{pools['titles'][i % len(pools['titles'])]} ({n})"
        sentences = rng.sample(pools["sentences"], k=rng.randint(4, 6))
        sentences.insert(rng.randint(0, len(sentences)), rng.choice(COMMON))
        date = dt.date(2019, 3, 1) + dt.timedelta(days=rng.randint(0, 27))
        body = (
            " ".join(sentences[: len(sentences) // 2])
            + "\n\n"
            + " ".join(sentences[len(sentences) // 2 :])
        )
        files[f"n{n:04d}.txt"] = (subject, f"date {date.isoformat()} {title}\n\n{body}\n".encode())
    return files
