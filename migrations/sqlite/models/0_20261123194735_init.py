from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "availability" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "available_days" JSON NOT NULL,
    "updated_at" TIMESTAMP NOT NULL
) /* The practice's weekly availability: one row. */;
CREATE TABLE IF NOT EXISTS "conversation_states" (
    "key" VARCHAR(255) NOT NULL PRIMARY KEY,
    "data" BLOB NOT NULL,
    "updated_at" TIMESTAMP NOT NULL
) /* The bot's persisted conversation, user and chat data (a restart loses no chat). */;
CREATE TABLE IF NOT EXISTS "one_time_codes" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "email_index" VARCHAR(64) NOT NULL,
    "purpose" VARCHAR(32) NOT NULL /* REGISTRATION: registration\nPASSWORD_RESET: password_reset\nTELEGRAM_LINK: telegram_link */,
    "code_hash" VARCHAR(255) NOT NULL,
    "expires_at" TIMESTAMP NOT NULL,
    "attempts" INT NOT NULL,
    "consumed_at" TIMESTAMP,
    "telegram_user_id" BIGINT,
    "created_at" TIMESTAMP NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_one_time_co_email_i_0a225d" ON "one_time_codes" ("email_index");
CREATE TABLE IF NOT EXISTS "rate_limit_hits" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "bucket" VARCHAR(160) NOT NULL,
    "at" TIMESTAMP NOT NULL
) /* One counted attempt in a sliding window; `bucket` holds no personal data (hashed). */;
CREATE INDEX IF NOT EXISTS "idx_rate_limit__bucket_80055b" ON "rate_limit_hits" ("bucket");
CREATE INDEX IF NOT EXISTS "idx_rate_limit__at_c110b3" ON "rate_limit_hits" ("at");
CREATE TABLE IF NOT EXISTS "users" (
    "id" CHAR(36) NOT NULL PRIMARY KEY,
    "email" BLOB NOT NULL,
    "email_index" VARCHAR(64) NOT NULL UNIQUE,
    "first_name" BLOB NOT NULL,
    "last_name" BLOB NOT NULL,
    "phone" BLOB,
    "password_hash" VARCHAR(255),
    "is_staff" INT NOT NULL,
    "is_active" INT NOT NULL,
    "email_verified_at" TIMESTAMP,
    "telegram_user_id" BIGINT UNIQUE,
    "timezone" VARCHAR(64),
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS "appointments" (
    "id" CHAR(36) NOT NULL PRIMARY KEY,
    "email_index" VARCHAR(64) NOT NULL,
    "first_name" BLOB NOT NULL,
    "last_name" BLOB NOT NULL,
    "email" BLOB NOT NULL,
    "phone" BLOB,
    "reason" BLOB,
    "rejection_reason" BLOB,
    "preferred_dates" JSON NOT NULL,
    "preferred_time_slots" JSON NOT NULL,
    "status" VARCHAR(32) NOT NULL /* PENDING_REVIEW: pending_review\nSCHEDULED: scheduled\nREJECTED: rejected\nCANCELLED: cancelled */,
    "scheduled_datetime" TIMESTAMP,
    "scheduled_duration" INT,
    "jitsi_room_id" VARCHAR(128) UNIQUE,
    "decided_at" TIMESTAMP,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "decided_by_id" CHAR(36) REFERENCES "users" ("id") ON DELETE SET NULL,
    "user_id" CHAR(36) REFERENCES "users" ("id") ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS "idx_appointment_email_i_26995e" ON "appointments" ("email_index");
CREATE INDEX IF NOT EXISTS "idx_appointment_status_b7719b" ON "appointments" ("status");
CREATE INDEX IF NOT EXISTS "idx_appointment_schedul_f5be71" ON "appointments" ("scheduled_datetime");
CREATE TABLE IF NOT EXISTS "notifications" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "channel" VARCHAR(16) NOT NULL /* EMAIL: email\nTELEGRAM: telegram */,
    "recipient" BLOB NOT NULL,
    "payload" BLOB NOT NULL,
    "kind" VARCHAR(64) NOT NULL,
    "due_at" TIMESTAMP NOT NULL,
    "status" VARCHAR(16) NOT NULL /* PENDING: pending\nSENT: sent\nFAILED: failed\nCANCELLED: cancelled */,
    "attempts" INT NOT NULL,
    "last_error" BLOB,
    "sent_at" TIMESTAMP,
    "claimed_until" TIMESTAMP,
    "dedupe_key" VARCHAR(200) NOT NULL UNIQUE,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "appointment_id" CHAR(36) REFERENCES "appointments" ("id") ON DELETE CASCADE
) /* The outbox: every message to a person is a row, written with the change that causes it. */;
CREATE INDEX IF NOT EXISTS "idx_notificatio_due_at_351af2" ON "notifications" ("due_at");
CREATE INDEX IF NOT EXISTS "idx_notificatio_status_7f8af2" ON "notifications" ("status");
CREATE TABLE IF NOT EXISTS "refresh_tokens" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "jti" VARCHAR(64) NOT NULL UNIQUE,
    "family" VARCHAR(64) NOT NULL,
    "expires_at" TIMESTAMP NOT NULL,
    "revoked_at" TIMESTAMP,
    "created_at" TIMESTAMP NOT NULL,
    "user_id" CHAR(36) NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_refresh_tok_family_8ce7f3" ON "refresh_tokens" ("family");
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSON NOT NULL
);"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        """


MODELS_STATE = (
    "eJztXetz4rYW/1c0/nLTmdxMQrJJbu6dzgDxZukS2AHS7SMdV9gCtDGSa8sh3Db/eyVjwA"
    "+ZgHnEUH3ZDZKObP+OdF46kv7UhtRCtndSdhyKCRsiwrQb8KdG4BDxP2TVx0CDjjOvFAUM"
    "du2gPZw3DCpg12MuNEWnPWh7iBdZyDNd7DBMCS8lvm2LQmryhpj050U+wX/4yGC0j9gAub"
    "zi1994MSYWekHe9KfzZPQwsq3YW2NLPDsoN9jYCcoeHmq3H4OW4nFdw6S2PyTz1s6YDSiZ"
    "Nfd9bJ0IGlHXRwS5kCEr8hniLcOvnhZN3pgXMNdHs1e15gUW6kHfFmBo/+v5xBQYgOBJ4p"
    "+L78NXizQzjEazY7T1jmFoK2BnUiJwx4ILHJjXSb9zQIJSTTyg+qncOjq//C6AgHqs7waV"
    "AVzaa0AIGZyQBqDPUUZDiG0j+Mg03NUBdOVwJ8gSuPPXzoP4tGAB5FO0toCvNoQvho1Inw"
    "34z8uLBXj/WG4FkF9eBJBTPjkmM6cR1pSCKoH8HOkedj1mBL9SQOvEdMcOR6qDXpgc8Th5"
    "AvDumCFvM5DPZ/gOMF+AcaXerIieh573hx2CXqk1yq2fj+7LPwW4D8dhVb3ZuJu2j47/ys"
    "8dvZxggw3X4UKMWjEhLxMC8ZGLATNKBX5e8B2OW77RP6PMCX4ozv/B2LsIevwl84A/J1Xo"
    "50b/GwrsNWMtPqQ7URzJK4tc1EOuiyyDW6gTzOIM+aHdbGQIozRpgg0WNhn4C9jYY9vSDB"
    "EXoOtjm2HinYjnvYcXIKCK8Whqjc5YFDFUqxIGiQ4qmQxieIgMz6YsJ5fi9IpVG2eVxyDz"
    "JcwRXpxO/GHAoBp/RUhMlGLUnHpnzpzmIGJxBLkgfcZotCIftC9647bWuDNa+o81/esNiP"
    "f2SNrVT/rtQ12/vQGeOUCWbyPrkbT0H/RqRxROBLkoq5YbVb0etDQFODZvqS3F47jTeF5a"
    "wmk8L2U6jaIqwdPpiwdCTkyhNH9vwxr5BJT3kJx+YdVJtM3aymuX3vsC4Du1e73dKd9/ic"
    "2423JHFzWlmO6alh5dJpg06wR8rXU+AfET/NJs6MmJOWvX+UUT7wR9Rg1CRwa0ojhOi6dF"
    "WUz3OQOwzFCpkQzzRE6c4Dcmy4jZgpkn/HX5f/8unV1cXVyfX15c8ybBe85KrhaMglqjk5"
    "hb3zDzsOFSOjRkscbs4FeKMJfETKL7drxxZ8Gvs9L1EoKMt8qUZEFdHG4LmdjiwxKyVUVY"
    "nHInoqsodvfeyS6TO0UsF5fjlBvgctFCPcKDt5rEHocjcE/YHk6WhVz3HSsn1+OUiutF4b"
    "pksodvn5bo3bFUgWYv1qUI11i32x9Z/uYqXWQ+echdEdMIiULz9VUsK/eepEueAqk0sh+p"
    "i3CffEbjlJ+cwDNcTn8Iu9lLROel81d04Wi2DB8dTvzT+QcjFnw8fz5oPNTrWoYkUMC+AW"
    "xK9mXAKwZwF5pPI+haRsZIJpThHjYDL08S+KmE5B8/t5Cd5QqGoDciXR0O+AGKtEQj6MVw"
    "TVcNS8NkCSSwH3ySeLZ40jSf5hlijge2MRtrsnybaP3xwoSbZMu3Em60zgABRzTBJvqXB0"
    "YIPdljEO3nBlCCgEtHJ8lI1srEG07iyQxdSLWXJFQRDr71kncKH6jIztkJOWUjw4LjlaLx"
    "aUoVh994HF45Q9kz47CcoZSRma20t6mIqpQ8I9cLdHebwcCSSGmjdKOFKsmMNDfE2hBaLh"
    "U0UC5dyrhecTg9n9fIAtHOjoEwLQEkvHgAGRBSDhxBwDnBoMuATT3kAUKD2u/kymvD/a+h"
    "356QxOLNjhyHzTezwlaggHHpw4clAsa8VWbAOKhbrPZERRrsWcZGttabEqqUseOcaRpKpS"
    "mVtlOVFnNHJdos6a5mK7KUj7ycCqM+69KXG4C4YhmDIfI8/qKAUQADvcONV+zxv7mLdAxG"
    "LmYMETDCbAC4BhGqhYjWQv+Y0BcKBzO5KtvSc5TLViyXTXCKIEnK83LJORHybWXnbEJoav"
    "p9uVbng1kkaT+Sjl7X71rle85KZKO+C4fJKbDUYvTlMmvRSTEZWYq+TK5Eu8jEDg63QeXI"
    "/4xQK5Mir0nhwLFNoUTWLGHQRWgVA/Iy4Il/6kq+S9i+yAKoMJu9LK58cyS6zKh2YyirBL"
    "2cCXr7mmm7Yoh1mmI7y619JG290bkBHld/j+QjV/YiZ7bHtf0m02g3r/Eht5uHjixzPdOy"
    "jZLkyp7MJfJOC23fJnZRItelkpX0ZbdRzsjV7pmcKlxMwxxqJkKmkimLrGdMG3IeWIZPmG"
    "y77Bv5lElixesi89pClu8gY8UFhTjV4a0rnJ4us65wepq9riDq4lJTpShno7+fwWyVovxP"
    "5PoyKcqRo4xWzKdNU6q02oVptTB+vNSaSaCJw6r2Et83c0HTYyyWDFott6vlW31RLug21+"
    "CaBHW4QKvyX5pkCS5afbxoBY4SNNn8bfK6gh0opha21lzYUueH7Sqk7PguF8iS/d/LRR0j"
    "5EWO4Gst/a7W7rTKnVqzIfbo97EAWdQ+ki/ldvtrs3VrtHROfgMc6HkjyuUcV1KIzRccjX"
    "qt8Xm+6mjYmDzlCURufj+/EIHGAHqDVSZLjKjIzHv/7LGIYHpxMB8WOez9OOUB2vv7a9+n"
    "3ToV2d9wZF907w/zhUfipCreWOSJM1OOmXtNK7ifOYdk1Ad0xsh/SqXz86vS6fnl9YeLq6"
    "sP16ezaZWuWjS/KrU7McViXJbMORWRPLDYVFZEsiDptS0+AOp4iNknLD0qPFZ/vMi5F0OJ"
    "29e8qTHASx4XrjUJAib1idi7EWpjgAmAwLOxSDMAIz7a6Oi/4Peubz4h9jsYUP5ZYtfGJC"
    "kW2uG+DmEVI0uyTWQ7j1DRh2JFHya8W8WXmlMcXszh7HKZ1TLeakHmTGq1bHWdpDLYimn9"
    "FUX3oB7/kEGHPiHp1o5Y/WLdM2nJxTFvqgLLhyXavzG8ilwPmx9cBsQW7qGAQ2yvlGQypz"
    "g8nbl5fFXg8WA1aHwT0TNXO3l89jilipIVmcsqMpMtRw8rMlOI4/eKxuOtJArt9vy9gkKa"
    "+wC+d04KClCXeG1TbmR7a+KDCuakqesEt3KdYBpodbHXzm5VK0gu1mG70OoqxyKMd3WVYw"
    "GYoG4TfM8zNML8x1UzClOEG7nB5L0d0u0nFWJPnIXY66WxrlBqI0gyrMkIWXKwc7ptCZpZ"
    "yY5He7NZj432Si2RAdN4uK/oraOzAHreCLOMxBgOnDim+FkiYN4CfE63Q8SnRs7eAj6xBZ"
    "+Ri/mD8oS9pB2oGGeRY5wFzQQswurmjvMAxVz4v9ScylblUZrD0+Kb991URD8b+gOO6Kvd"
    "3wfGdYlqW/UA2/j9Nd76l6gc5KblrP30Cqs3sEqnp+VHK5kUt2cyJhOvbS5VlbkTYg402c"
    "08k5rjhXfyzNsUZr1KJRWumVQobomQXqecbV9HSNTW2+WiZGJSrYBw2PwA0T1b6viqswXH"
    "V51Jjq+ihEnPWMk+LzlCsvv7nt4nCrOxm53eNWv+9W+Z29aa"
)
