from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "audit_events" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "at" TIMESTAMPTZ NOT NULL,
    "actor_id" UUID,
    "action" VARCHAR(64) NOT NULL,
    "target" VARCHAR(64),
    "subject_id" UUID,
    "ip_hash" VARCHAR(64)
);
CREATE INDEX IF NOT EXISTS "idx_audit_event_at_d387df" ON "audit_events" ("at");
CREATE INDEX IF NOT EXISTS "idx_audit_event_actor_i_69aa3e" ON "audit_events" ("actor_id");
CREATE INDEX IF NOT EXISTS "idx_audit_event_action_b36abe" ON "audit_events" ("action");
CREATE INDEX IF NOT EXISTS "idx_audit_event_target_7172cd" ON "audit_events" ("target");
CREATE INDEX IF NOT EXISTS "idx_audit_event_subject_af2d0f" ON "audit_events" ("subject_id");
COMMENT ON TABLE "audit_events" IS 'Append-only record of a staff access or action: ids and times only, no personal values.';
        CREATE TABLE IF NOT EXISTS "recovery_codes" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "code_hash" VARCHAR(255) NOT NULL,
    "used_at" TIMESTAMPTZ,
    "created_at" TIMESTAMPTZ NOT NULL,
    "user_id" UUID NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
);
COMMENT ON TABLE "recovery_codes" IS 'A single-use two-step recovery code, stored as a hash.';
        ALTER TABLE "appointments" ADD "erased_at" TIMESTAMPTZ;
        COMMENT ON COLUMN "one_time_codes"."purpose" IS 'REGISTRATION: registration\nPASSWORD_RESET: password_reset\nTELEGRAM_LINK: telegram_link\nERASURE: erasure';
        ALTER TABLE "users" ADD "totp_last_step" BIGINT;
        ALTER TABLE "users" ADD "totp_enabled_at" TIMESTAMPTZ;
        ALTER TABLE "users" ADD "totp_secret" BYTEA;
        ALTER TABLE "users" ADD "erased_at" TIMESTAMPTZ;
        CREATE INDEX IF NOT EXISTS "idx_appointment_erased__354067" ON "appointments" ("erased_at");"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP INDEX IF EXISTS "idx_appointment_erased__354067";
        ALTER TABLE "appointments" DROP COLUMN "erased_at";
        COMMENT ON COLUMN "one_time_codes"."purpose" IS 'REGISTRATION: registration\nPASSWORD_RESET: password_reset\nTELEGRAM_LINK: telegram_link';
        ALTER TABLE "users" DROP COLUMN "totp_last_step";
        ALTER TABLE "users" DROP COLUMN "totp_enabled_at";
        ALTER TABLE "users" DROP COLUMN "totp_secret";
        ALTER TABLE "users" DROP COLUMN "erased_at";
        DROP TABLE IF EXISTS "audit_events";
        DROP TABLE IF EXISTS "recovery_codes";"""


MODELS_STATE = (
    "eJztXW1z2ziS/issftlMlSbnOB4np7m6KtmmE21kySXLk5k9XzE0CVkYU6CWL1a0s/nv2w"
    "ApvoIUSUsyReNLYhFoUHoaQL+gu/GXPLcMZDpve4uFhYk7R8SVu9JfMtHmCP7gNXckWVss"
    "okb6wNXuTdZfizqyBu3ecW1Np4NONdNB8MhAjm7jhYstAk+JZ5r0oaVDR0weokcewf/0kO"
    "paD8idIRsa/u//4TEmBvqOHPrxL3mKkWmwv2XdRpqLDFVj3xAbMu2Mvi9s5DjwKmdNH/yy"
    "4CXuasG+t8w6w1dlH350pMTYjqu5Hvs9u3yL5yBbhSGTr9niC9Bcw6bKANzdSyKsHH2GDM"
    "+ENxjwHhfDWDt5jwmjq7pGdGTCn3RawUN4RfB6Vbe8YNq6LiIG7fisL0I7Lh5V9l0Si8Xn"
    "HXuurmlvb/sXl6wnneX38GVMb06i3ouVO7NI2N3zsPGW0tC2B0SQTVkUWz30qwWLbf3IXy"
    "jwwLU9FK4QI3pgoKnmmXQNyv8z9YhOMZLYm+g/J/8bfLVYN1UdjibqjTJRVbnCktUBSoAJ"
    "08UPwPzwx40AYU9l+oLzz73xm/enPzEILMd9sFkjg0v+wQg1V1Mjfkcop2ZxEu7zmWbz4U"
    "6RpXCHr10H8fWDAsjXaO0AX3mufVdNRB7cGXw8PSnA+7femEF+esIgt2BP9jfsYdByzJp+"
    "sFW2RnqKbcdV2acM0ArR7dUCkJrAyuAjniRPAX6/cpGzHcgjwbIHzAswPhuMzujIc8f5px"
    "mAftYf9sZ/vLnq/c5wn6+CpsFo+GndPz7/z/6YKL0UG0ztOVxIUAsm1GUC2z5qMSCkFODX"
    "BX8BuNWb/SFlTfCD7fwVYw9KouOrVJXBj0gF+rXR/xMxfU19Fh+ygwiO1N2LbDRFth1YNU"
    "6WIX+/GQ1zNqMsaYoNBtZd6d+SiR13V5IhZgLce9h0MXHe0ve9hBVAoUrwaK2NhiyKKarn"
    "HAbRAc5yGURNTtUxLbcml5L0glVbZ1Vkw2etOIV4c8agPnxFZrOnGRVR782YkxeIGIAgbK"
    "RPGC0r8kG+VoYX/eEndaz81le+dqXkaHfk5vyzcnE7UC66Uug8uSNj5e/K+YQ+9Ddy+uy8"
    "NzxXBqxn4PlA/kyuaDS+Py5hNL4/zjUaaVOKp1mvT4a/F0ELfwHyR0gvv6DpbbzPs4XXPq"
    "33AuAn/SvlZtK7uk6suIveRKEtxwnZtX765jTFpHAQ6Wt/8lmiH6V/jIZKemGG/Sb/oE42"
    "WfNcSyXWUtWMOI7rx+tHeUz37NAHl2R6n+SoJ3ziFL8xKbPNNkw9ga8L//18/O7kw8nH96"
    "cnH6EL+57hkw8Fs6A/nKTW1p/YdbBqW9Zc5fka851fGcJaO2Ya3c3+xr05v94dfyyxkUGv"
    "3J2MtSXhNpCOjdDZX2ULS1LuZetqit59cHtXKD/V+1VdVSQ9xlaW1254LJ8P+spwAnqDiR"
    "FxQemY9C4vQeFwtekUPv1xM1Gu4OPKcdG8jkrx7rTMSkxzPLYQT9PrMEK3+kpM04q1eABr"
    "UXuuxyNnHOH0qH0EwTliTXLlzLJMpJG8QwgOfZobMMCuLOnwyZ7ZMRoNEuw4609S297t1Z"
    "kC2yFjDXTCLuKrfv5uDZCSKbbn9bZC/hBiR2zyjsiLYyhpV/FIa1lVtZbc0a70/i3bVLpm"
    "0qAQW3UQ/LhAuSuJMJdWQJyGOBZ3U1O/To7QZO26N5kowwvql/O/M3XWDUfqzefRVxjPUp"
    "2ZtWyGVh1hChqSbtn1LN38UYRcabJcAdidWgxPEAqnbINZnIxVraQpJii3wOSmxbDQ0ARj"
    "RMxVML0OhO3BSijkurcwanI9SSm43hSucxZ78O2zrur7FfdkID8KOUP4jIDkwxHXG8OPY0"
    "dbyMbIqYhqgkggmkQ0ludQFs8YiUDzB8tAmD5yo+MpUllkLy0b4QfyBa0ydlYKzyDh5zYY"
    "5iARjZ5GX9HWlmHGRnw6wU+HH4x8txu8XxreDgZyzt4qgN0AbEaalIDX3yu3AO1NOFA7wU"
    "0IlRxg6c5wr+mPS8021JwtAj2ts/NSHvyA7vLLGOV66bMJgcoT2p2L6wVgT0xOYrl4inWG"
    "xjMhG8aGas8kTYVeWiCtNPOZSF0Hw7R1UsUc8zZ1HDvPXY3jcMCxP15bkVtq2KURsCpsOX"
    "ypUQW2r8FoCgy2aumSDBGzplNkbwmwER2rRYBRqWkdWzFpmZCj2ab58Tz9RCPaA/tJ9N30"
    "TXmSsji9PpSmpXLs1UiWb8y0l0cEwc/ViINZSLk1lTQixQbrSsuZJb2xLROIqYr8UweeaC"
    "79F5FfJWJJC5hCFtFM6UkzYZ95mz7J2NU7NtcCqJSUnXugxzUxOSd4wcQu2k5fNjhyKyd4"
    "+TnYMM8sW6VcrH2ilxhhVwH8rzRg7hEQ4DOGP+3X/ZvMhpqBwdtPcKhzRro/h7o4LKt3WO"
    "bvR9W8knEa4ZZMrZKYklIR1QzlNmukHCy4BT5fLVmd6ZlutFStp8MEeKMzLTvLEh61897N"
    "ee9CkbN7hPABb0I2titW9lLu1BLzDFxgg0WtnULri/arZHfBgkLE+Nki5kryY6SYXeQrkJ"
    "Km68hxJMuGvyhFV8KGA1aTIVGlABqArFPK9trRe+7IHbk2geFAIPnbtEM7utLUn/jSI1o5"
    "XYkGBsE3oW9gPKd/a8FoEgHAbPhWSxu78DIw4qiZiM1dWHdn+OG1GHj/fXz8/v2H46P3px"
    "9/Ofnw4ZePR6Gll20qMvnO+p+o1ZdQv0qYgUIVFqrwflXhhjC1iias8xNm8s3xiEJUqdtc"
    "pc7VbJAbVfCNKHYUSd4meB3vnhadqBoAlaASO0ICUrxQZ5ozqzJlYyQNzn540UmbMZBfyM"
    "p4ArVWu8cmdlcyz86ItxdbGumeGy2NCajVC9oF6+hvjrRE6BFsgfg4TOG/t6xHqp3bnolA"
    "cbcIkmxrmTUonj+cOLdp2LmNzzsTqYa2qlQVK0sp6mElFPpt1MOaY4Ln3lylUUc6UmeWxz"
    "uxz10FeeT7y0g8Pmn0woiQDvYswMjG/6JeKu5yyEU6j3x/SL8/lOTPe48Gi6gwNz1uucR8"
    "jDOEIrM2DS5Vo5yghr26ALRgIlbZMHLIRe0tXp54rKRIzQ26cAyxS2cwF7ls+VC3K5etIc"
    "bbmWnpj8igc0vm2G7x5k6R6Xbvd4zq/G623S5AhZCs6VR6M7NMTBWKDjsiITALfupK3xxX"
    "s1024DfJtaRviBjBJ0x003PwEwy6ttYk9uKsRberlwg7r1l2XsRH/saZ47RLUBVtmofnhS"
    "6Ak+556dsegnlfBb04zWvGDvSaenc1rAlFlbaaVdpEwYe2qUt5BR8aoi6dW+QJ2Q6zZ27c"
    "HKUp26lQddJj3VVa4r2sAkW91feW+zeHxZxgB+amFB/MzzdgHmt9prlUe9GkN5oEnKByTz"
    "ItMIVpAAxt/YnvDd/y+M9Qmx5RTrHanAhvVL8ubcNUp8TR0fEvv5Q4O4JeuYdHrK1Ym6IN"
    "BRIt32m+JhQ3P9UVacID0DaR1nAPQCJLmyPN0lnc+YIskzpeToRZnntvfe9KNGByJc2R48"
    "AXpcZ4GEuJHfjbtpYdiUZTuohIS+zOWEwliBZCe1P5o2seFTjY5YuyHb1HeAKa5QmgnCKI"
    "c3NhycL2EXmTk8Nk5arXH8Bkpnct3pGJMlA+jXtXwEpkogdba0heno10vMDcNI1S17jFqI"
    "VKUVelWGgr09I4e00JhS5GKxhQlwEiO3WH4ZoGCN8a99WEVCI0vzl6cTY0/2AvzJMryvPg"
    "przwirw7csNy8B2WgX8Jwp6W2J6CtN/mbXi7KbI9X/Dq++RqtnESEfGSDglg15kj2+YlYp"
    "a9DT0kFycNNUU4XYY1xEyMTFSHb7Kc0U0N0xtiPOLybr3fdM9Miljwusm8NpDhLZBa8UAh"
    "SdW+c4WjozLnCkdH+ecKtE2cz7bbmS0K8r9GrucdYTSw/s3hyM3DLH/TTHy3Vv3mZc7gRg"
    "RNYEM7h08y5wgu3twpOoGzCFLpzgh4GCWjSPKRFgdbzTrYYkc9KvttVfTWFJkosLDZpbzw"
    "bNiQa1f6jJE32YMvj5VP/ZvJuDfpj4ZdyUYPmIJMW+/Ide/m5utofKGOFSDvSgvNcZYW7H"
    "MgpJAbHTiqg/7wS3TqqJqYPN4RZdy7uR0rfokkz0Z1XJPbr2NJN8XKdQgSRE1m58vHk8W2"
    "qu8LDBOlzmV7CcoWWgCHq/FnDT3h6992yiUM79W86zpJKjyQTV44objMvRmsqKQfj7pFCc"
    "x7KfEnfJTt9VY1PIckvOyHY+nHLwLKN/MTtw6VKMfKCp4GVVHZrSi0kCkNdfXvzmElUqWg"
    "LMKvfrgrq/zPSqiCsGYVjlhlVdvyiMEpxLqLNwj/Q7P8Dyypp/IB+JqohdvjgWyH5c5EPT"
    "uM8C+5buIk+1PlG7+AIkytJ2Tb2OD4kc4sy0Qa4eMaJ0vH6wDdroANn+w5YGc0GiQWyVk/"
    "pbINb6/OlPGbd2x1QCfs5mhyh+V1EBGhryUi1FogIlfjrDy6VoZdiVLekd75uXI9obGevr"
    "ZEA0CV36/7Y/rIn7rwZKxcD3rn9JGNFqamNyUgVNhX+dC3y77iXSFdIzI/QSn8WE3eixsS"
    "89G0dV0/6CN7t3D8bvGy4GYpRUBNYwNqGjp5d3KfVGxibgHndt8qlV3EjbpbagyAD/Acu5"
    "+xK3M8mYn2TpE3k7JONWlXdYarXO2rWx6hNWmCM0UJE+pkNDFNn5KWwF5r+av07d7TH5H7"
    "TZpZ8LMS1z359Wro2T4yOOVvdvOKzV7Nv+SIBbI/NMPElWlH0PftoIDtmjZAPphu60Uis8"
    "4AI/vwQ/hK9+krjdhWNs4komhfhNa70zK5BdCrwKzM5BaIq7jaYlE05FxujHTqel3lReEm"
    "2oslWtCzQhiu3JPoXYIm+tlzkOQurZ8dFy2k9UgSHakjOS7oSCCNaJ0aKlR4J3F1hxHHbc"
    "0SISJacV/Rip5TL1nJEV6qxsoU4YEut7ra64HODa3L95vlx9O9Tm9kgcfMC3wv+3HhNBTS"
    "jT6c2IRqUrrZGE2B0bOJ9Yi4JR8T7Rs0XdYTtEboKhLO2qWB/uniKrpn0L11lRG2n1821e"
    "bYrFR8IqJon3do+/geViBQU5SBJil4pfR6Gz1Zj7X0+iSlsN6azGVhveXvo8J6E9absN5e"
    "nfXm6DNkeCYa+9k1MteES3fqFNtx6+5qkLJT+tjCT+Sht6VjZ0bL6c+tJ0RPyYMBjSjvB7"
    "s0RWjlsAvUoYHVywuyhvywP96BxvZfIAzNZhmaCxtNkW3Hr49MIlxQnzxLKq5pT8j4bVzT"
    "HqHMqgs5psVL+i/DpSS9YNXWWSUuI9yYcbSjEsGB4KxpkCZpW2isHIhxUsomNTXeIivM6l"
    "uTiIy+Chl9ry/X62r0G03hoiqucUe+KNeTrvSIFm6TS/6LXJ/XsOeJXB+Rj9Jkb02zK7ze"
    "IBsHUyPlqQlaOkXuGSfqs9EjcxNkB6x9IGsvRye4+PAb+09dIvTofJPYf10JafpMsnTdAy"
    "MN5hK7CZFIsYmTdczs8D1b9s/k70zb3402+2liFih7E/3n5CXMz42piAWlaCPWVnCHpahE"
    "zRBRjawS1O067aqQ9cBVDDgr7yygvvwyRmZebZ42V33/sUsRzk67OAJ8fQqWL77pQVLDgu"
    "OETNy6TKR11mt5XkNKccNqp6bvtUm18dsduohtx1XZpzpTPUku5nvd+c5udazNhQS1YEJd"
    "JiwAt3oMCCnFYVvtO82D+yiqZkhmCGtt+g1jwB6SJLGjsjiaisdecTJx9FXh6AuAA0MBP1"
    "U9Z0zQ7RHxtZJzsID7uuATsjG8qI4DhjuAONNq8plWQ+9haEKw355vYaBr4V9cdSpflMdp"
    "2ifFt2+7uZa7UB2k27zKRCW01hS90F1r6q4MR0QoHnXkDIdcSJlGSxnKMGZz02I8FWVMhl"
    "bc9FNXxtDLCOtpdnFCsdaavNbE+Wn+omvX+am4cb7NXOcs9vCAt/KpOQ0z9SumZmXvqz8y"
    "z4nxFFiVx0pFT1tFTHlqL2zh3XXqXONejVQBsvhteS2EKltGtD5U6eKlBybFSuKVLkb1HL"
    "ySJbDaiNdSwy7NfVRht1nHF9dH7GswmgKDrdoE2S5jypKgcYLLMqjmR5nx2Fk+gV+i5LSq"
    "Pb24E+Y+jegGjbcrWYTe1+kgFsJt0OR6jRj/BZ1YwnWHlsT321lWb34C/zZfIILh9mH8Py"
    "MYbs3KLNb5SeJxGpEYnrDBtpEYPrWtOSuSwDeRc+K14kRF1vHBqmA8/Klxm/HZV8YuRvKa"
    "kRO1Iw5mixC1I17qSPDwEt0Dba7i1Je/9vqT/vBTd60N3pHL28Fl389rn3rmFNO89jsyUC"
    "4nXclEUxf+7l3f0GZTWzhNyXn/08KklsM5QSjuommOe5lzlmRa9c4LE4TivLDJPG5IVYPD"
    "4XCFC0xFDU9Rw/Olq0JsrOGZsxlsAdlWHoGl8X1+1Y0Ifms6DfJkn++FHtGxWjSv9+KF9k"
    "Er8EKHqJbwQkfc3OyEvgzdwdIMvjFzEVsESdSTvQqquH6LavN/+5V6hCUC9ij1DpugUUsP"
    "yHVo/Vdt6iI764XeyRuEG7oBIrJT4IaGLdqurL2HRMI6a7Lmbnh2KAuS7M0Npo2TiOozra"
    "i3OIv4XNoH9VkZXHSZGLgjvfNz5XpCvUuariPq5bwjF8r5oD+kzwyk060fnim/X/fH9JEv"
    "I+AJneEX497XYVdaYndmgFpEmuGbmrFxMC85PD+ZJkG0lWyaBtVBOClz//RJ/vXTJ5nbpx"
    "lcaH0oXwnkkEqgvAnlw7rISUhyEbMv2JyvsIkywa+Ay8KhvjuHOtMcKqIapxEu9WKXeo4+"
    "V9nz29ZQ2E7K+RufW8K7vn/vOnwNaXg7GLxUUesesrE+kzkO46ClU+Qp1qI+jSmLKa7yeu"
    "ZVXk/IdrhOuXyjOEayK7/Rfp1yuy/GRRdVBYSD7i1E991RGZ8D9Mp3nx1lvA7wRpcrpPKD"
    "VGMk+49LfRk1a2sRqBVSercvzH78B670baU="
)
