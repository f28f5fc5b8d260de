"""Benchmark of ID numbers encrypted at rest (core/crypto.py), on the configured database:

- `id_encryption`: AES-SIV seal and open per ID number (one core), then 20,000 persons written
  with `bulk_create` (encrypting each number), 1,000 exact lookups by ID type and number (the
  unique index) through the ORM
  and one `__in` lookup of 1,000 numbers, inside a transaction that is rolled back."""

from __future__ import annotations

import datetime as dt
import secrets
import time
from typing import Any

from django.db import connection, transaction

from skilleval.portal.bench import Rollback, register

from . import crypto


@register("id_encryption")
def id_encryption_bench(options: Any) -> list[dict]:
    from skilleval.accounts.models import Person
    from skilleval.catalog.models import IDType

    numbers = [f"B{secrets.token_hex(4).upper()}{n:09d}" for n in range(20_000)]
    ring = crypto.key_ring()
    started = time.perf_counter()
    sealed = [crypto.seal(n, ring) for n in numbers]
    seal_us = (time.perf_counter() - started) / len(numbers) * 1e6
    started = time.perf_counter()
    for value in sealed:
        crypto.unseal(value, ring)
    open_us = (time.perf_counter() - started) / len(numbers) * 1e6
    result: dict[str, Any] = {}
    try:
        with transaction.atomic():
            options.log("证件号码加密：写入 20,000 人，逐个精确查询 1,000 次")
            id_type = IDType.objects.get(code="227")
            started = time.perf_counter()
            Person.objects.bulk_create([Person(id_type=id_type, id_number=n, name="基准", sex="M",
                                               birth_date=dt.date(1980, 1, 1)) for n in numbers], batch_size=2000)
            insert_s = time.perf_counter() - started
            probe = numbers[::20]
            started = time.perf_counter()
            found = sum(Person.objects.filter(id_type=id_type, id_number=n).values_list("pk", flat=True).first() is not None
                        for n in probe)
            lookup_ms = (time.perf_counter() - started) / len(probe) * 1000
            started = time.perf_counter()
            many = len(list(Person.objects.filter(id_number__in=numbers[:1000]).values_list("id_number", flat=True)))
            in_ms = (time.perf_counter() - started) * 1000
            result = {"name": "id_encryption", "size": len(numbers), "seconds": round(insert_s, 2), "seal_us": round(seal_us, 1), "open_us": round(open_us, 1),
                      "bulk_create_20k_s": round(insert_s, 2), "exact_lookup_ms": round(lookup_ms, 2),
                      "found": found, "in_1000_ms": round(in_ms, 1), "in_found": many, "database": connection.vendor}
            raise Rollback
    except Rollback:
        pass
    return [result]
