"""Calls the generated Python client's `MyBook` operation (`me { ...EBook … }`) on a live server.

Run by tests/e2e/test_codegen.py with the generator's own Python (it has httpx and pydantic) and
the generated `bhxh_client` package on PYTHONPATH:

    BHXH_TOKEN=<citizen JWT> python run_my_book.py http://127.0.0.1:8000/graphql

Prints a JSON summary of the typed result, with a check per field that it arrived as the Python
type the generator promised (dates as `date`, amounts as `int`, enums as enums…).
"""

import asyncio
import json
import os
import sys
from datetime import date, datetime

from bhxh_client import BhxhClient, CardStatus, MyBook, Scheme


async def main(url: str) -> None:
    headers = {"Authorization": f"Bearer {os.environ['BHXH_TOKEN']}"}
    async with BhxhClient(url=url, headers=headers) as client:
        result = await client.my_book()
    assert isinstance(result, MyBook)
    me = result.me
    assert me is not None and me.social_insurance is not None
    assert me.health_insurance is not None and me.health_insurance.current_card is not None
    assert me.birth_date is not None and me.medical_visits is not None
    assert me.access_log is not None
    periods = [edge.node for edge in me.social_insurance.contribution_periods.edges]
    card = me.health_insurance.current_card
    visits = [edge.node for edge in me.medical_visits.edges]
    checks = {
        "birth_date.year is int": isinstance(me.birth_date.year, int),
        "period.from_month is str": all(isinstance(p.from_month, str) for p in periods),
        "period.salary_vnd is int": all(isinstance(p.salary_vnd, int) for p in periods),
        "period.scheme is Scheme": all(isinstance(p.scheme, Scheme) for p in periods),
        "card.valid_from is date": isinstance(card.valid_from, date),
        "card.status is CardStatus": isinstance(card.status, CardStatus),
        "visit.admitted_at is datetime": all(isinstance(v.admitted_at, datetime) for v in visits),
        "visit.total_cost_vnd is int": all(isinstance(v.total_cost_vnd, int) for v in visits),
    }
    summary = {
        "identification_number": me.identification_number,
        "full_name": me.full_name,
        "bhxh_code": me.social_insurance.bhxh_code,
        "from_months": [p.from_month for p in periods],
        "salaries_vnd": [p.salary_vnd for p in periods],
        "card_code": card.code,
        "card_status": card.status.value,
        "visits": len(visits),
        "access_log_total": me.access_log.total_count,
        "checks": checks,
    }
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
