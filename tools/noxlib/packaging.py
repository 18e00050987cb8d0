"""``packaging``: build every distribution once, then check the wheels and editable installs.

1. ``python -m build`` (the sdist, then the wheel from the sdist: a file missing from the sdist
   fails here) for every distribution, the meta-distribution ``remote-store`` included, into
   ``build/dist/`` (what a release uploads: ``twine upload build/dist/*``); ``twine check --strict``.
2. One version for all (lockstep) and exact pins in ``remote-store`` (``check_lockstep``).
3. Each wheel installed alone into a fresh virtualenv (its first-party dependencies from the wheels
   just built, through ``--find-links`` and a constraints file; third-party ones from the index)
   and imported from outside the repository with ``python -I`` (``noxlib.import_checks``).
4. All the wheels together in one virtualenv, then editable checkouts in another (namespace
   merging breaks differently there), each checked by ``tools/smoke_test.py``: imports from the
   right place, the backend entry points, the pytest plugin, no file shared between
   distributions, core intact after ``pip uninstall remote-store-local``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nox

from . import pins
from .dists import CORE, META, distributions
from .import_checks import META_S3_CHECK, import_check
from .lockstep import check_lockstep, wheel_metadata
from .paths import DIST_DIR, ROOT, bin_path

__all__ = ["packaging"]


def _fresh_venv(session: nox.Session, venv: Path) -> str:
    shutil.rmtree(venv, ignore_errors=True)
    session.run("python", "-m", "venv", str(venv))
    return bin_path(venv, "python")


def packaging(session: nox.Session) -> None:
    """Build every distribution once; twine, lockstep, each wheel alone, all together, editable."""
    session.chdir(ROOT)
    dists = distributions(meta=True)
    session.install(pins.BUILD, pins.TWINE)
    tmp = Path(session.create_tmp()).resolve()
    shutil.rmtree(DIST_DIR, ignore_errors=True)
    for dist in dists:
        session.run("python", "-m", "build", "--outdir", str(DIST_DIR), str(dist.path))
    session.run("twine", "check", "--strict", *sorted(str(path) for path in DIST_DIR.iterdir()))

    wheels: dict[str, tuple[str, Path]] = {}
    for path in sorted(DIST_DIR.glob("*.whl")):
        metadata = wheel_metadata(path)
        wheels[metadata["Name"][0]] = (metadata["Version"][0], path)
    versions = {name: version for name, (version, _) in wheels.items()}
    meta_requirements = wheel_metadata(wheels[META][1]).get("Requires-Dist", []) if META in wheels else []
    problems = check_lockstep({dist.name for dist in dists}, versions, meta_requirements)
    if problems:
        session.error("packaging: " + "; ".join(problems))
    version = versions[CORE]
    session.log(f"built {len(wheels)} wheels, all at version {version}")

    # Only the wheels just built may satisfy a first-party requirement, never an index.
    constraints = tmp / "constraints.txt"
    constraints.write_text("".join(f"{name}=={version}\n" for name in sorted(wheels)), encoding="utf-8")
    pip_args = ["-m", "pip", "install", "-q", "--find-links", str(DIST_DIR), "-c", str(constraints)]
    for dist in dists:
        check = import_check(dist)
        if check is None:
            session.error(f"packaging: no import check for {dist.name!r}; add one to noxlib/import_checks.py")
        wheel = wheels[dist.name][1]
        python = _fresh_venv(session, tmp / f"venv-{dist.name}")
        session.run(python, *pip_args, str(wheel), external=True)
        checks = [(f"check-{dist.name}.py", check)]
        if dist.name == META:
            checks.append((f"check-{dist.name}-s3.py", META_S3_CHECK))
        for file_name, script in checks:
            if file_name.endswith("-s3.py"):
                session.run(python, *pip_args, f"{wheel}[s3]", external=True)
            (tmp / file_name).write_text(script, encoding="utf-8")
            # -I and a folder outside the repository: nothing but the installed wheels can be imported.
            session.chdir(tmp)
            session.run(python, "-I", str(tmp / file_name), version, dist.name, external=True)
            session.chdir(ROOT)

    smoke = [str(ROOT / "tools" / "smoke_test.py"), "--repo", str(ROOT)]
    smoke += ["--backends", ",".join(sorted({name for dist in dists for name in dist.backends}))]
    if any(dist.name == "remote-store-conformance" for dist in dists):
        smoke.append("--plugin")
    if any(dist.name == "remote-store-local" for dist in dists):
        smoke.append("--uninstall-local")
    for mode, install in (
        ("wheel", [str(path) for _, path in wheels.values()]),
        ("editable", [arg for dist in dists for arg in ("-e", str(dist.path))]),
    ):
        python = _fresh_venv(session, tmp / f"venv-all-{mode}")
        session.run(python, "-m", "pip", "install", "-q", *install, external=True)
        # -I: neither the current folder nor PYTHONPATH may supply remote_store; run from tmp too.
        session.chdir(tmp)
        session.run(python, "-I", *smoke, "--mode", mode, external=True)
        session.chdir(ROOT)
