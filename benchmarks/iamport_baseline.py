"""Runs inside its own virtualenv (iamport-rest-client pins an old requests).

Reads {"url", "imp_key", "imp_secret", "imp_uids"} as JSON on stdin; looks each
result up as that client does; prints {"latencies": [...]} as JSON.
"""

import json
import sys
import time

from iamport import Iamport

job = json.load(sys.stdin)
client = Iamport(imp_key=job["imp_key"], imp_secret=job["imp_secret"], imp_url=job["url"] + "/")
latencies = []
for imp_uid in job["imp_uids"]:
    started = time.perf_counter()
    client.find_certification(imp_uid)
    latencies.append(time.perf_counter() - started)
print(json.dumps({"latencies": latencies}))
