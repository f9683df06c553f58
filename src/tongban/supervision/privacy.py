"""Which views of supervision show personal data (tongban.core.privacy)."""

from __future__ import annotations

from tongban.core.privacy import NONE, declare, declare_admin, staff

INSPECTIONS = staff("inspections")

declare(
    {
        "supervision:public_plans": NONE,
        "supervision:public_plan": NONE,
        "supervision:public_draw_json": NONE,
        "supervision:manage_plans": INSPECTIONS,
        "supervision:plan_act": INSPECTIONS,
        "supervision:my_inspections": INSPECTIONS,
        "supervision:record_result": INSPECTIONS,
        "supervision:unresolved_new": NONE,
        "supervision:unresolved_list": staff("办不成事 follow-up"),
        "supervision:unresolved_detail": staff("办不成事 follow-up"),
        "GET api/v1/supervision/rectifications": staff("rectification tasks"),
        "POST api/v1/supervision/rectifications/<task_id>/transition": staff("rectification tasks"),
    }
)
declare_admin(
    [
        "supervision.creditlistentry",
        "supervision.creditrecord",
        "supervision.rating",
        "supervision.rectificationtask",
    ],
    staff("supervision administration"),
)
declare_admin(["supervision.creditrule", "supervision.inspectionplan"], NONE)
