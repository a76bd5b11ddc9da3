"""Plugins scan of a package with 1 GB of text vs the plain inventory of the same package.

Targets (plugins issue): scan time ≤ 1.5× the inventory; peak RSS ≤ 200 MB (the scan streams).
The package (1,024 HTML/JS/CSS files of 1 MB, deflated as authoring tools zip them) is built
once into bench/out/.
"""

from __future__ import annotations

import random
import zipfile

from _common import OUT, time_probe

FILES = 1024
FILE_BYTES = 1024 * 1024
RUNS = 2

HTML_LINE = (
    '<div class="slide"><p>Learners review the network policy and answer the quiz; '
    '<a href="../lesson-{n}/index.html">next</a> <img src="img/figure-{n}.png" alt="figure"></p></div>\n'
)
JS_LINE = 'function step{n}(state) {{ state.score += {n}; if (state.score > 80) {{ api.SetValue("cmi.score.raw", state.score); }} }}\n'
CSS_LINE = '.slide-{n} {{ margin: 0 auto; padding: 12px; background: url("img/bg-{n}.png") no-repeat; }}\n'


def build_package(path) -> None:
    rng = random.Random(5)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        archive.writestr("index.html", "<html><body>start</body></html>")
        for i in range(FILES):
            kind = ("html", "js", "css")[i % 3]
            template = {"html": HTML_LINE, "js": JS_LINE, "css": CSS_LINE}[kind]
            lines = []
            size = 0
            while size < FILE_BYTES:
                line = template.format(n=rng.randrange(10_000))
                lines.append(line)
                size += len(line)
            if i % 97 == 0:  # a few real signals, so the regexes do run
                lines.insert(
                    len(lines) // 2,
                    "window.open('help.html');\n"
                    if kind == "js"
                    else '<iframe src="https://video.example.com/e/1" width="1280" height="720"></iframe>\n',
                )
            archive.writestr(f"lesson-{i:04}/content.{kind}", "".join(lines))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    package = OUT / "text-package-deflated.zip"
    if not package.exists():
        print("building the package (once)…")
        build_package(package)
    result = time_probe(package, "certifier.probes.plugins:PluginsProbe", RUNS)
    ratio = result["probe_s"] / result["inventory_s"]
    print(f"text scanned: {result['bytes'] / 2**30:.2f} GB in {FILES:,} files; signals found: {result['counts']}")
    print(
        f"inventory: {result['inventory_s']:.2f} s   plugins scan: {result['probe_s']:.2f} s   "
        f"ratio {ratio:.2f}× (target ≤ 1.5×)"
    )
    print(f"peak RSS (inventory + scan): {result['peak_rss_mb']:.0f} MB (target ≤ 200 MB)")


if __name__ == "__main__":
    main()
