from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "blocked_dates" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "start_date" DATE NOT NULL,
    "end_date" DATE NOT NULL,
    "note" BLOB,
    "created_at" TIMESTAMP NOT NULL
) /* Days off (holidays, training): `start_date` to `end_date` inclusive, practice dates. */;
CREATE INDEX IF NOT EXISTS "idx_blocked_dat_start_d_1d23f0" ON "blocked_dates" ("start_date");
CREATE INDEX IF NOT EXISTS "idx_blocked_dat_end_dat_77542d" ON "blocked_dates" ("end_date");
        CREATE TABLE IF NOT EXISTS "appointment_events" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "actor_role" VARCHAR(16) NOT NULL /* CLIENT: client\nSTAFF: staff\nSYSTEM: system */,
    "kind" VARCHAR(32) NOT NULL,
    "at" TIMESTAMP NOT NULL,
    "actor_id" CHAR(36) REFERENCES "users" ("id") ON DELETE SET NULL,
    "appointment_id" CHAR(36) NOT NULL REFERENCES "appointments" ("id") ON DELETE CASCADE
) /* One transition of an appointment: who (role, user), what, when; no personal values. */;
CREATE INDEX IF NOT EXISTS "idx_appointment_at_0f7774" ON "appointment_events" ("at");
        CREATE TABLE IF NOT EXISTS "proposals" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "start" TIMESTAMP NOT NULL,
    "duration" INT NOT NULL,
    "override" INT NOT NULL,
    "expires_at" TIMESTAMP NOT NULL,
    "status" VARCHAR(16) NOT NULL /* OPEN: open\nACCEPTED: accepted\nEXPIRED: expired\nREPLACED: replaced */,
    "created_at" TIMESTAMP NOT NULL,
    "decided_at" TIMESTAMP,
    "appointment_id" CHAR(36) NOT NULL REFERENCES "appointments" ("id") ON DELETE CASCADE,
    "proposed_by_id" CHAR(36) REFERENCES "users" ("id") ON DELETE SET NULL
) /* A time staff offer for a request or a session; the client accepts one of a round. */;
CREATE INDEX IF NOT EXISTS "idx_proposals_expires_5e5ab1" ON "proposals" ("expires_at");
CREATE INDEX IF NOT EXISTS "idx_proposals_status_f6f2ea" ON "proposals" ("status");
        CREATE TABLE IF NOT EXISTS "reschedule_requests" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "preferred_dates" JSON NOT NULL,
    "preferred_time_slots" JSON NOT NULL,
    "note" BLOB,
    "requested_at" TIMESTAMP NOT NULL,
    "late" INT NOT NULL,
    "status" VARCHAR(16) NOT NULL /* OPEN: open\nMOVED: moved\nKEPT: kept\nCANCELLED: cancelled */,
    "decided_at" TIMESTAMP,
    "appointment_id" CHAR(36) NOT NULL REFERENCES "appointments" ("id") ON DELETE CASCADE
) /* A client's wish to move a scheduled session; it stays booked until staff decide. */;
CREATE INDEX IF NOT EXISTS "idx_reschedule__status_4e5d78" ON "reschedule_requests" ("status");
        ALTER TABLE "appointments" ADD "reschedule_count" INT NOT NULL DEFAULT 0;
        ALTER TABLE "appointments" ADD "cancelled_by" VARCHAR(16) /* CLIENT: client\nSTAFF: staff\nSYSTEM: system */;
        ALTER TABLE "appointments" ADD "cancellation_reason" BLOB;
        ALTER TABLE "appointments" ADD "cancelled_at" TIMESTAMP;
        ALTER TABLE "appointments" ADD "calendar_sequence" INT NOT NULL DEFAULT 0;
        ALTER TABLE "appointments" ADD "client_confirmed_at" TIMESTAMP;
        ALTER TABLE "appointments" ADD "late_cancellation" INT NOT NULL DEFAULT 0;
        ALTER TABLE "availability" ADD "buffer_minutes" INT NOT NULL DEFAULT 0;
        ALTER TABLE "availability" ADD "booking_horizon_days" INT NOT NULL DEFAULT 30;
        ALTER TABLE "availability" ADD "cancellation_notice_hours" INT NOT NULL DEFAULT 24;
        ALTER TABLE "availability" ADD "max_sessions_per_day" INT;
        ALTER TABLE "availability" ADD "minimum_notice_hours" INT NOT NULL DEFAULT 24;"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "appointments" DROP COLUMN "reschedule_count";
        ALTER TABLE "appointments" DROP COLUMN "cancelled_by";
        ALTER TABLE "appointments" DROP COLUMN "cancellation_reason";
        ALTER TABLE "appointments" DROP COLUMN "cancelled_at";
        ALTER TABLE "appointments" DROP COLUMN "calendar_sequence";
        ALTER TABLE "appointments" DROP COLUMN "client_confirmed_at";
        ALTER TABLE "appointments" DROP COLUMN "late_cancellation";
        ALTER TABLE "availability" DROP COLUMN "buffer_minutes";
        ALTER TABLE "availability" DROP COLUMN "booking_horizon_days";
        ALTER TABLE "availability" DROP COLUMN "cancellation_notice_hours";
        ALTER TABLE "availability" DROP COLUMN "max_sessions_per_day";
        ALTER TABLE "availability" DROP COLUMN "minimum_notice_hours";
        DROP TABLE IF EXISTS "blocked_dates";
        DROP TABLE IF EXISTS "reschedule_requests";
        DROP TABLE IF EXISTS "appointment_events";
        DROP TABLE IF EXISTS "proposals";"""


MODELS_STATE = (
    "eJztXW1z2zYS/isYfmky48v4LU7OvbkZWaYTNbbkkZWm6fmGgUjIQk0BLAnKUXv57wdQlM"
    "QXkBKpF1M0vjgRgAXJZ4HF7mKx+FsbUQvZ3puG41BM2AgRpp2DvzUCR4j/R1Z9ADToOItK"
    "UcBg3w7aw0XDoAL2PeZCU3Q6gLaHeJGFPNPFDsOU8FLi27YopCZviMnDosgn+E8fGYw+ID"
    "ZELq/4z395MSYW+o682U/n0RhgZFuxt8aWeHZQbrCJE5R9/ty6vApaisf1DZPa/ogsWjsT"
    "NqRk3tz3sfVG0Ii6B0SQCxmyIp8h3jL86lnR9I15AXN9NH9Va1FgoQH0bQGG9q+BT0yBAQ"
    "ieJP6c/jt8tUgzw2h3esad3jMMrQB2JiUCdyy4wIH5Me13AUhQqokHND82uq9Ozl4HEFCP"
    "PbhBZQCX9iMghAxOSQPQFyijEcS2EXxkGu7mELpyuBNkCdz5a5dBfFaQA/kMrS3gq43gd8"
    "NG5IEN+c+z0xy8f210A8jPTgPIKZ8c05nTDmuOgyqB/ALpAXY9ZgS/UkDrxHQnDkeqh74z"
    "OeJx8gTg/QlD3mYgX8zwHWCeg/HFdedC9DzyvD/tEPSLVrvR/frqpvFbgPtoElZdd9ofZu"
    "2j4//ia09vJNhgw3W4EKNWTCjLhEB8lGLAnFKBXxZ8h+NWbvTPKUuCH4rzF4y9i6DHX7IM"
    "+AtShX5p9P9Agb5mrMWHdCeKI2VlkYsGyHWRZXANdYpZnCG/3HXaGcIoTZpgg4VNBv4HbO"
    "yxba0MEROg72ObYeK9Ec97DitAQBXj0UwbnbMooqg2JQwSHVxkMojhETI8m7KSXIrTK1Zt"
    "nFUeg8yXMEdYcTrxRwGDWvwVITFRilEL6p0Zc5qDiMUR5IJ0jNFTQT5ot3r7stX+YHT1X1"
    "v6l3MQ7+2e3DU/6pefr/XLc+CZQ2T5NrLuSVf/RW/2ROFUkIuyZqPd1K+DlqYAx+YttZV4"
    "HDcaT45XMBpPjjONRlGV4OnsxQMhJ6ZQmr+XYY18Asp7SE6/sOpNtM3ai9curfcc4HutG/"
    "2u17i5jc24y0ZPFzXHsbVrVvrqLMGkeSfgS6v3EYif4PdOW09OzHm73u+aeCfoM2oQ+mRA"
    "K4rjrHhWlMV0nzMAyxSVFslQT+TECX5jsoqYrZh6wl+X//OP46PTd6fvT85O3/MmwXvOS9"
    "7ljIJWu5eYW39g5mHDpXRkyHyN2c6vFGEpiZlEd7m/cWfOr6Pj9ysIMt4qU5IFdXG4LWRi"
    "iw9LyIqKsDjlTkRXVfTuvZNd8/XT6E/KqiLJPjYyvbbDY6153dLbPa432BgRxpWOXuPqii"
    "scDA4G/NfXu55+w39OPIZGZVSKo7NVZmKS45GJeJachwt0i8/EJK2ai3swF+G6Ho+MfpTT"
    "o/QWBENGFNQ0Vy4otREkWZsQEvokN3gH27Kk5yU7Zkencx1jx0WrlxB7n28udC4OA9bwRp"
    "ghueo3ldYcUjLA7qicKJR3oSRilSUi7yo0jzjjfCJheqZdJSMtZVWVmnKH29L7N2xTmZBr"
    "LhZ0DQ/xjwuVuxURltIqiFMQ8xWYlRNZMcoNSKqqbaaKPTKrQ+xJKEX3RHSFAj9XcvmOVZ"
    "LrcUrF9apwXbJghW+f9pn0J1IXVXY4XIpwjci4/dFHlsbBReaTh9yCmEZIFJo/fojAzcGj"
    "NKhQIJVG9oq6CD+QT2iScv8k8AwDVj+H3ewloovSxSu68Gke6BodTvzT+QejqbXCnw/an6"
    "+vtQxJoIBdAmxK9mXAKwZwH5qPT9C1jIyRjMazIOiEfR7SXX3qokwbPB13rY/R9hTYZ4A+"
    "NkQJZXiAzQCNNSFrR7qqz0BNBFZQLlShvSZSt2E3dR1UEbPbFWaht+5s7M477E77qxNyQq"
    "TRYxoRZTEhl64aHY+SJZDAh+CTxLPFk7LEWP4Rk7moW+mcibEQtEtPm2gdgvjnQuLhIJqH"
    "DgAkINLZOXgaUvDKpTYnFsvs6wNeApn4i8jPgFDgINejBNpgDG0+CN4kt2a29YwNn4fJ9K"
    "VI1VSJ8ySUnOudg6n8nn/28Rc+zqhrCC6W3ayM97Ct2KkXulf5yBGQM0Y+7Gftq8yGkjEZ"
    "m48tK+5K2qULSQWPldvimMqjYp6NKI1ybSRmSURJKYhqinKTx1P3FtwcvxGMn1Be08uROO"
    "+8nwAv9XakR1nM3dFs3DUbl7qWlhHKj7QM2YhULOxC2qolNoaYY4ttzCaazAqL1h/kWmDJ"
    "lkttr94QAUc0wSb6yQNPCD3aExDthxtKFuhTynWxB+ByO9s7B5RbUy59SptZ63enLKqKWV"
    "RT3tnIsOCk0FGhNKU6JBTTOjdxSGiECR75I0M4a01kDKnvSpiUOQuyyHcXpnF8WumJsUA6"
    "lFkcIxf/JdYP6XTIRDqLfHdIn+xLREzfHwyQa/Cx6UvPkGZjnCJU4UZJcIUTwkOeJzZ1DI"
    "ejxQdiEYGRQa4OJMmC5yJx1iUFdG4fSkqnMFdxVdlQ1yuuKuV3eB7j7cKm5iOyxNjSJLZb"
    "tPogz3TrTxsukh8st90uuQoB6GAAXg2pjYVCcQACfvNR8PocfOPmvsuCDr8BRsE3RKzwFy"
    "am7Xt4zDudWWsgeHDaotvWQ5SdVy07b8FHueDMOJ0co8oTmrXaRRAyL5kCKxz3RdCL0rxk"
    "7LheUy6B1YxQHV0reXRNHT6om7qUdfigIupSk5Ixcr3AnrljGUpTulGu6mRGmhsi782qCp"
    "TwVvcp+8kLYnuwx8cmiHY2jQQKPNbmEDKhvUDwCgLOCbHuAZtyU1iEBona13Jv+Ib7X0Nt"
    "ekQZJ/gzYi9Q+cP6FVOdYoEXx2/frhB5wVtlhl4EdfnalKjIWdGyneYzQpUOs+ySpjwAdV"
    "vSKu4BiAW3S1azZPB79kKWirhfbQmjPuvT7+cA8YVlAkbI8/iLCmMchjGrAHv8/y59OgBP"
    "LmYMEfCE2RDwFUQsLUS0FuuPCX2x4GAmX8q29BzlCaiWJ0BwiiBJOucVs/0syKsctqnpN4"
    "3WNR/MIgH1Penp1/qHbuOGsxLZ6MGFFYmYdZGJHSwNoFopt22EWqkUZVUKB05sCiWyZgWF"
    "LkKrGFCWASpufIsXWVh88S2RxG9OpeLHq6MXp+PH9zaLsFZwPQ/TB8/zBt+Tu+B0jBecjb"
    "nii73IBzzgq/0mUwRvfsWHXG8eObJjkZmabZRERbwkQwKCO16Q68pCpFe9ImZOrnYaSi7h"
    "YhqWWGYiZCoVW5XXGdOGWKTN8wmTXQW0LPlegljxusq8tpDlO8gouKEQp6rfvsLh4Sr7Co"
    "eH2fsKok7tz9bbma2Sw71ErmdtYVTwZOr+rJv7eTC1mvhu7Fzq8+zBdQjqcYHW5L80yRZc"
    "tPogbweOEjS92MrkdRW7LFltbK25saXuRt6VS9nxXS6QS+fgiZBX2YOvdfUPrbtet9Frdd"
    "ri/rEHLEAWtffktnF396XTvTS6Oic/Bw70vCfK5RxfpBBbbDga1632p8Wuo2Fj8ljGEbn5"
    "fDJCBBpD6A2LTJYYUZWZ9/zRYxHB9N3BfFiU0PfjlDXU9/dXv0+bdcqzv+kDlrx7v+R1H3"
    "FS5W+s8sSZL46ZWb4v8EPmHJJR1+i48j+Pj09O3h0fnpy9f3v67t3b94fzaZWuyptfF60P"
    "YorFuKyuq6i/b6riJ0bmGZEldn00W3K2UR9Lzbw8pLYBxPibptEUJ1+RCwbUFYGt0wTDIP"
    "gRJkH4eRrcGmTgBNA0EV+sg3xGIsMscKlPrHQw7VaeoLwN1fI2BEd4Cm93z4hqKB73RByu"
    "tgNa/CLnta9vrho/N63N0zFyXWxJvEa5tydGydSliQUuTdwvr4OK/3wp8Z/UQUQrxlmtc6"
    "u3z4GgvCeNZlO/7YnIzqm2JMI99d9uW11RNB26vKSr3143mqLIRY4NzaqEfyr7Khv6etlX"
    "suugSsThxyiVH6vKsrgiER5Vm9flQzzSFzCVuVwxTanCZyobPlPRwbuVvO6RgbkBnOud3T"
    "09iSuV473LAb/GI8w+YqZJPJmx+oM8b6ZgnWGLpsYQF7liK7jmHFkg3FMEmAgno43FYSnw"
    "xNlLn34G3/q++YjYNzCk/LNi115Ns9OIvX1kSZLdbOcRyqtZLa/mlHdyc1KO7IKifpFTR2"
    "erxPzzVjkGYCrmX93jVBfdvyI7aF004B8y7NFHJE1QE6vPX3umLbk45k1VeGy9RPsfDBeR"
    "62Hz2p3j2nw07ACOsF3oqNyCon5r5ubx3a+NjKqY/3uxgsZTIY3pYykfaZxS+UirzGW1/5"
    "EtR+u7/5EZ2Jnttc2O5nyZvvAcf60fev5240CsKKRLPYiRAVWlo41d/tVDZPk26k6jAzWp"
    "CZdsdJBvx82aG2HI4cqxkdNARHG3I/aGIvnniI6R8PKFHVqLuEXMRIjjxAuue+QVQXaPMO"
    "pxum0pC43c/AOUoVktQ9Nx0QC5bvSymzjCOdkU06TqUsnYGr+JSyUXKAdnoT2byg4trcKl"
    "OL1i1cZZpa5OWRoxuaWEZuHCWdIgjdPW0FjZE+NkJZvUhrJJlhuVPCNREckFIpJfXqzqTe"
    "dXEYIqVFzrnnzSb3vn4BE5rMoJSlWs4kuQeSpWUcXTVdlbU+18VIGrTOKnmbnQsl0zwgtV"
    "sZ317Km++em93PERMemCJ4k/p89hzy2NTV6SiaqU2TanVJdJHJQ03KqUBqzecQ/Y9ZgR/C"
    "oz1OPkaryXHe9BAvvSXIhRKyaUZYLDcSvHgDml8tSVvr4pTL1XNJldirCU0K8YA3aQzw57"
    "RrAJV9BnFiVTfrMCfjMOHDcU8LiokzJGt0PEZ0rO3gI+1QXHyMX8QWU8YdIOlEOsyg6xii"
    "ahq0KkwI5T0Im58JdUncpeyqM09VvFN2+7qTDMbOhrHIapLh6pGdclS1vRu9PjO3/e7G7y"
    "xNoXkl596iI7K89Zne/LyNo8U1itjpWBxhtFTB/XF7Z5UlNjBKU58wpAFk2jWkOo0qdWy0"
    "OVPCu7Z6tYJl7b3AxtcDPXHGqS7dCw5iBvQxQu2lRmR1SFgK8ZAj5GridNn5ptwUVI1L0i"
    "q/lhxaQqgHDYvIboHq10N+dRzt2cR5K7OSlh0oid7MD4CMnuY+Gfx8+3saj3Z02m8eP/sE"
    "qWLA=="
)
