"""waiting lane

A "Waiting on client" lane whose cards' turnaround clocks are paused: placed after Low (before
Done when there is no Low). A lane of that name that already exists is marked as waiting instead.
Data only: the ``lanes.waiting`` column came with 0004.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 22:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "Waiting on client"


def upgrade() -> None:
    bind = op.get_bind()
    existing = bind.execute(
        sa.text("SELECT id FROM lanes WHERE lower(name) = lower(:name)"), {"name": NAME}
    ).scalar()
    if existing is not None:
        bind.execute(sa.text("UPDATE lanes SET waiting = true WHERE id = :id"), {"id": existing})
        return
    lanes = bind.execute(sa.text("SELECT id, name, role FROM lanes ORDER BY position, id")).all()
    ids = [row[0] for row in lanes]
    low = next((i for i, row in enumerate(lanes) if row[1].lower() == "low"), None)
    done = next((i for i, row in enumerate(lanes) if row[2] == "done"), None)
    if low is not None:
        at = low + 1
    elif done is not None:
        at = done
    else:
        at = len(lanes)
    # Positions are rewritten from the top down, so no two lanes share one even for a moment.
    for index in range(len(ids) - 1, at - 1, -1):
        bind.execute(
            sa.text("UPDATE lanes SET position = :p WHERE id = :id"),
            {"p": index + 1, "id": ids[index]},
        )
    bind.execute(
        sa.text(
            "INSERT INTO lanes (name, position, role, waiting) "
            "VALUES (:name, :position, 'normal', true)"
        ),
        {"name": NAME, "position": at},
    )


def downgrade() -> None:
    bind = op.get_bind()
    lane = bind.execute(
        sa.text("SELECT id FROM lanes WHERE name = :name AND waiting = true"), {"name": NAME}
    ).scalar()
    if lane is None:
        return
    holds = bind.execute(
        sa.text("SELECT count(*) FROM cards WHERE lane_id = :id"), {"id": lane}
    ).scalar()
    if holds:
        # The lane holds cards: keep it (as a plain lane) rather than lose them.
        bind.execute(sa.text("UPDATE lanes SET waiting = false WHERE id = :id"), {"id": lane})
        return
    bind.execute(sa.text("DELETE FROM lanes WHERE id = :id"), {"id": lane})
    rows = bind.execute(sa.text("SELECT id FROM lanes ORDER BY position, id")).all()
    for index, row in enumerate(rows):
        bind.execute(
            sa.text("UPDATE lanes SET position = :p WHERE id = :id"), {"p": index, "id": row[0]}
        )
