"""A separate process that issues certificates one by one (for the concurrency test):

    python -m skilleval.certificates.tests.issue_worker USER_ID START_AT CHUNK RESULT_ID...

It waits until the wall-clock START_AT so all workers begin together, issues the
results' certificates CHUNK at a time (one transaction each, as a member of staff
issuing a few at once) through the real service, and prints one JSON line: the serials
it got and the errors it met."""

import json
import sys
import time


def main(argv: list[str]) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from skilleval.accounts.access import actor_for
    from skilleval.batches.models import Batch
    from skilleval.certificates.services import certificates_issue
    from skilleval.core.errors import DomainError
    from skilleval.results.models import Result

    user_id, start_at, chunk, ids = int(argv[0]), float(argv[1]), int(argv[2]), [int(x) for x in argv[3:]]
    actor = actor_for(get_user_model().objects.get(pk=user_id))
    results = {r.pk: r for r in Result.objects.filter(pk__in=ids)}
    while time.time() < start_at:
        time.sleep(0.005)
    serials, errors = [], []
    batch = Batch.objects.get(pk=next(iter(results.values())).batch_id)
    for k in range(0, len(ids), chunk):
        try:
            issued = certificates_issue(actor=actor, batch=batch, results=[results[pk] for pk in ids[k:k + chunk]])
            serials.extend(c.serial for c in issued)
        except DomainError as exc:
            errors.append(exc.message)
    sys.stdout.write(json.dumps({"serials": serials, "errors": errors}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
