"""``serve --persist`` keeps no second copy of a provider's model in memory.

Before: each mock's saver kept the last model text it wrote, to skip rewriting an unchanged one: a
second copy of the whole model (ncp-mailer with 100 MiB of templates: +201 MiB after one save, now +101 MiB
until the write is committed, then nothing).
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest

from sealmail.mockservers.core import create_app
from sealmail.mockservers.core.persistence import Persistence
from sealmail.mockservers.core.state import MOCK_STATE


def test_the_saver_keeps_a_digest_and_still_skips_an_unchanged_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app("ncp-mailer")
    model = app[MOCK_STATE].model
    for sid in range(4):
        model.add_template(sid, "t", f"{sid}" + "x" * 100_000)
    db = Persistence.open(tmp_path / "state.sqlite3")
    written: list[int] = []
    write_model = db.write_model
    monkeypatch.setattr(db, "write_model", lambda provider, text: (written.append(len(text)), write_model(provider, text)))
    db.attach(app)
    (saver,) = [item for item in gc.get_objects() if type(item).__name__ == "_ModelSaver" and item._state is app[MOCK_STATE]]
    saver.save(in_background=False)
    assert len(written) == 1 and written[0] > 400_000
    retained: list[Any] = [value for value in vars(saver).values() if isinstance(value, (str, bytes))]
    assert retained and max(map(len, retained)) <= 64  # a digest, not the model's text
    saver.save(in_background=False)  # unchanged: not written again
    assert len(written) == 1
    model.add_template(9, "t", "changed")
    saver.save(in_background=False)
    assert len(written) == 2
    db.close()
