"""Run by ``test_official_clients.py`` in a virtualenv holding iamport-rest-client 0.9.0.

PortOne's official V1 Python client pins an old ``requests``, so it cannot share the
test virtualenv: this reads a fake PortOne over loopback with it and prints, as JSON,
what the client made of each answer. Usage: ``iamport_reader.py URL KEY SECRET IMP_UID...``.
"""

import json
import sys

from iamport import Iamport


def read(client, method, imp_uid):
    try:
        return {"ok": getattr(client, method)(imp_uid)}
    except Iamport.HttpError as error:
        return {"error": "HttpError", "status": error.code}
    except Iamport.ResponseError as error:
        return {"error": "ResponseError", "code": error.code, "message": error.message}


def main():
    url, key, secret, *imp_uids = sys.argv[1:]
    client = Iamport(imp_key=key, imp_secret=secret, imp_url=url.rstrip("/") + "/")
    results = {
        imp_uid: {
            m: read(client, m, imp_uid) for m in ("find_certification", "cancel_certification")
        }
        for imp_uid in imp_uids
    }
    wrong = Iamport(imp_key=key, imp_secret="wrong", imp_url=url.rstrip("/") + "/")
    results["wrong_secret"] = read(wrong, "find_certification", imp_uids[0])
    json.dump(results, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
