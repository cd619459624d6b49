from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "series" (
    "id" CHAR(36) NOT NULL PRIMARY KEY,
    "every_weeks" INT NOT NULL,
    "created_at" TIMESTAMP NOT NULL
) /* Sessions booked together, every `every_weeks` weeks: each occurrence is an Appointment. */;
        CREATE TABLE IF NOT EXISTS "waitlist_entries" (
    "id" CHAR(36) NOT NULL PRIMARY KEY,
    "weekdays" JSON NOT NULL,
    "from_date" DATE,
    "to_date" DATE,
    "preferred_time_slots" JSON NOT NULL,
    "note" BLOB,
    "status" VARCHAR(16) NOT NULL /* WAITING: waiting\nFULFILLED: fulfilled\nLEFT: left\nLAPSED: lapsed */,
    "joined_at" TIMESTAMP NOT NULL,
    "closed_at" TIMESTAMP,
    "appointment_id" CHAR(36) REFERENCES "appointments" ("id") ON DELETE CASCADE,
    "user_id" CHAR(36) NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
) /* A client waiting for freed time: on these weekdays and/or dates, in these slots. */;
CREATE INDEX IF NOT EXISTS "idx_waitlist_en_status_65d73b" ON "waitlist_entries" ("status");
CREATE INDEX IF NOT EXISTS "idx_waitlist_en_joined__74e3a4" ON "waitlist_entries" ("joined_at");
        CREATE TABLE IF NOT EXISTS "waitlist_offers" (
    "id" CHAR(36) NOT NULL PRIMARY KEY,
    "start" TIMESTAMP NOT NULL,
    "duration" INT NOT NULL,
    "status" VARCHAR(16) NOT NULL /* HELD: held\nACCEPTED: accepted\nDECLINED: declined\nEXPIRED: expired\nWITHDRAWN: withdrawn */,
    "held_time" VARCHAR(40) UNIQUE,
    "held_entry" VARCHAR(40) UNIQUE,
    "expires_at" TIMESTAMP NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "decided_at" TIMESTAMP,
    "appointment_id" CHAR(36) REFERENCES "appointments" ("id") ON DELETE SET NULL,
    "entry_id" CHAR(36) NOT NULL REFERENCES "waitlist_entries" ("id") ON DELETE CASCADE
) /* Freed time held for one entry until `expires_at`; the next in line gets it after. */;
CREATE INDEX IF NOT EXISTS "idx_waitlist_of_start_68054c" ON "waitlist_offers" ("start");
CREATE INDEX IF NOT EXISTS "idx_waitlist_of_status_627097" ON "waitlist_offers" ("status");
CREATE INDEX IF NOT EXISTS "idx_waitlist_of_expires_2572fb" ON "waitlist_offers" ("expires_at");
        ALTER TABLE "appointments" ADD "series_id" CHAR(36) REFERENCES "series" ("id") ON DELETE SET NULL;"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "appointments" DROP COLUMN "series_id";
        DROP TABLE IF EXISTS "waitlist_offers";
        DROP TABLE IF EXISTS "waitlist_entries";
        DROP TABLE IF EXISTS "series";"""


MODELS_STATE = (
    "eJztXW1X2zgW/is6/rLtOdkuBYZ2mT17TgDTZhoSTkiHmVn2GGMrRMWRMn4hzXT57yvJTv"
    "wmO7FxgmP0pSWWrpw8V9J90b1XP5QJMaHlvGtPpwRhdwKxqxyDHwrWJ5D+IWpuAUWfTsNG"
    "9sDV7yzeXw878gb9znFt3WCDjnTLgfSRCR3DRlMXEUyfYs+y2ENi0I4I34ePPIz+9KDmkn"
    "vojqFNG/7zX/oYYRN+hw77+EMZIWiZ/G/FsKHuQlPT+TdEpsI6w+9TGzoOfZWzoA9+WfAS"
    "dz7l31vhnelX5R+eWiA2tuPqrsd/zybf4jnQ1uiQ8ddU+AI40ZGlcQA395IQK8cYQ9Oz6B"
    "tM+h4X0bE28h6Ljq4ZOjagRf9k04o+pK8IXq8ZxAumretCbLKOz/oirOP0QePfJbZYfN7x"
    "59qC9uvXztk578lm+R39MpY3wWHv6dwdE7zs7nnIfMdoWNs9xNBmLIqsHvbVgsW2eOQvFP"
    "rAtT24XCFm+MCEI92z2BpU/jXysMEwAvxN7J/DfwdfLdJN03r9oXalDjVNKbBkDQolhQmx"
    "xU+BefLHDQHhTxX2gtPP7cGbg6O3HALiuPc2b+RwKU+cUHd1LeR3iHJiFsfhPh3rthjuBF"
    "kCd/q1yyC+eJAD+QKtDeCrTPTvmgXxvTumH48Oc/D+tT3gkB8dcsgJ3ZP9DbsXtOzzpie+"
    "yhZIj5DtuBr/lAJaxYY9n1KkhnRliBGPkycAv5u70KkG8lCwbAHzHIxPuv0TNvLEcf60At"
    "BPOr324Pc3F+3fOO6TedDU7fc+LfpH5//J70O1nWCDpT+HCzFqyYSyTODbRykGLCkl+GXB"
    "n1Lcys3+JWVJ8IPt/BVjT5VEx1epCoMfkkr0S6P/DXJ9TXsWH9KDSI6U3YtsOIK2HVg1Tp"
    "ohv1z1exmbUZo0wQYTGS74H7CQ425KMkRMgDsPWS7Czjv2vpewAhhUMR4ttNEliyKK6qmA"
    "QWyAk0wGMZNTcyziluRSnF6yqnJWhTZ82opTsTfhDOrQr8ht9iSjQuqtGXPKFGKTIkg30k"
    "cEZwX5oFyqvbNO75M2UH/tqNfHID7aDb46/ayefe2qZ8dg6Ty5wQP1F/V0yB76Gzl7dtru"
    "napd3jPwfEB/Jhc0Gg/21zAaD/YzjUbWlOBp2uuT4u9Z0CJegOIRkssvaHoX7fNs4bVN6z"
    "0H+GHnQr0ati8uYyvurD1UWct+THYtnr45SjBpOQi47gw/A/YR/NHvqcmFuew3/IM52RTd"
    "c4mGyUzTzSiOi8eLR1lM9+ylDy7O9A7OUE/ExAl+I7zONlsz9YR+Xfrf3/ffH344/HhwdP"
    "iRduHfc/nkQ84s6PSGibX1DbkO0mxCJprI15jt/EoRltoxk+iu9jduzfn1fv/jGhsZ7ZW5"
    "k/G2ONwmNJC5dPYX2cLilFvZuuqid+/c3rWUn9rdvKwqkhyjkuW1GR4rp92O2htSvcFCEL"
    "tU6Ri2z8+pwuHqoxH99PvVUL2gH+eOCydlVIr3R+usxCTHIwvxKLkOQ3SLr8QkrVyLO7AW"
    "9ed6PDLGkU6P0kcQgiPWOFdOCLGgjrMOIQT0SW7QATZlSS+fbJkd/X43xo6TzjCx7X29OF"
    "HpdshZQzshF4pVP3+3ppDiEbIn5bZC8RByR6zzjiiKY1jTrhKRlrKqSi25vU3p/RXbVIZu"
    "saAQW3Mg/XGBcrcmwkJaCXES4kjcTUn9Oj5CnbXr9nCo9s6YX87/zsxZ1+trV5/713Q8oj"
    "ljMquHVh1iSjUkg9jlLN3sUaRcqbNciQcyFlIjYpQVcLluAQ7s3NrsY2sezMAdYXuwWHK5"
    "7k3NklyPU0qu14XrgsUefPu0H/NuLnQbZ4eopgifEa26O3v5ytjUyLkHtBF0CqIaI5KIxh"
    "GNBMGvi2eERKL5xMPTRw/C0GmGVBrZc2JDdI+/wHlKCU/gGWSDfA2G2UlEw6fhV7T12TKc"
    "Pzqd6E+nPxj6Phn6ftD72u0qGXurBHYFsClpsga8/l5ZAbRXy4GaCW5MqGQAy3aGO914mO"
    "m2qWVsEfBxkbqVcO8GdOdfBjDThZvOFlMf4eb8Hy8Ae2xyYuKiETI4Gs+ErBcZqjmTNBGX"
    "R6i00q1nInUZDNPUSRXx2trMq+g8dzUOlgMO/PGaitxMRy4Lj9ToliOWGkVguw5GU+lg84"
    "YuySViZDSCdkWA9dlYDQKMSU2yTyLSMiZH002T/UnyiY71e/6T2LvZm7IkZX7u9VKarpWA"
    "rYWyfGUattLHkP5cHTuIxxuTEdAxiAx2DGZjAt7YxKLETEV+26JPdJf9C/HPABMwpVOIYN"
    "0Cj7pF95l3STf3pt6xOlG8UMZu5mmP0MQUHO8EEztvO33ZyLlKjneyE3TpPCO2xrhY+rgn"
    "NsKmortfaTTVA0VAzBjxtF/0rzMbSkaNVh/9XuYAbXsOdRneXu6wzN+PinklozTSLZlYJR"
    "ElpSCqKcoqC2jsLLg5Pl89XrrnmW60RCGg3QR4pTMtPctiHrXT9tVp+0xV0nuE9AGvQjay"
    "Kxb2Um7UEnvUEcUWWcidKyIrLNreyrXAkj1X2l7DMQRT1gUZ8G8OmEH4YM1BdBxqKJngjh"
    "Cqi90D27OgcwwItaZsMkubWc8fTlpUNbOofN5ZUDP1eaFk5jSlTGOOaZ1VpDFPEEYTb6Kx"
    "8wADamPiiXxpmasgi3x7gaT7h7VeGCHSwZ5FMbLRX0x+CJdDJtJZ5NtD+mBXYnbvPObG1e"
    "jc9IRVLrIxThHKgOgkuMwJ4QSlB7UpRYtOxCIbRga5TJkWhfdHMsFKbtC5Y8hdOoW5jDLN"
    "hrpZUaYpv8PLGG8nFjEeoMnmliKw3aLNrTzT7c7vGJZnWm27nVEVApDRCLwZEwsxhaIFOL"
    "/pLHh7DG6puW+7fMBb4BJwC7EZfELYsDwHPdJBF9Ya4C9OW3Sbeom08+pl54V8FG+cGfHE"
    "Maq8TbNRpwhsz0sW6QzmfRH0ojSvGTuq15QrsbkglMn1JZPrZSpW09SlrFSsmqhLpwQ/Qt"
    "vh9syVm6E0pTvlqk5GpLvGKvOtq0Axb/Udcf/m8Nge5NC5CaKD+ZFA3GNtjHWXaS86eKMD"
    "ygkm94BFqCnMQoNY61uxN7zi8Z+hNj3AjBpDGbEXsHw5oZqpTrHAi/2ffloj8oL2ygy94G"
    "352hRryJFo2U7zBaEs2F1WpEkPQNNEWs09ALH8CYE0S+ZXZAuyVFLHeiKMeO4d+X4MIBUs"
    "czCBjkO/KDPG9SBmFSCH/m2TWQvMbMSqJoAZcseAShAmWjDrzeSPoXtM4CBXLMo29B7pCa"
    "iXJ4BxCkPBhRNr1iMMyesctqmoF+1Ol05mdkXGDR6qXfXToH1BWQkteG/rNYmYtaGBpkgY"
    "QLVW9f0ItVQpyqoUU31uEV2w16yh0EVoJQPKMkDGjW/wqi2TCt8SZYaXVDJ+vD56cTp+fG"
    "fvOVAKyvPggoPlzQY3+Ipnxzg8N+acCntWGW1EpX2VlxhspjbaZCrKvM3UbKMkMuIlGRLA"
    "b6GDti0KkV73ErsluTxpKCnC2TIsIWYiZLKoX53ljGHpiBX29bAruqxwVXngBLHkdZ15bU"
    "LTm0Kt4IFCnKp55wp7e+ucK+ztZZ8rsDZ5PttsZ7YslfkauZ51hFHDzNTdkZu7mZhaT3wr"
    "y0t9mTO4PoZDuqGd0k+K4Agu2tzKO4EjGPpXbxq0bb0juGyk5cFWvQ62+FGPxn9bEb01Qb"
    "Y1R9gOu5Snnk035NI1eCLkdfbgKwP1U+dqOGgPO/0euyH1HjGQWesNvmxfXV33B2faQKXk"
    "x2CqO86M0H2OCinohgeOWrfT+xKeOmoWwg9lHJHV15NhW6A21p1xkcUSI6oz814+eiyyMX"
    "2fIjotSuj7ccoG6vu7q9+nzTrp2a86wZIO75W8kCxOKv2NdV44S+GYWaH/BN1nriERdYPS"
    "lf+5v39w8GF/7+Do40+HHz789HFvuazSTXnr66TziS2xGJcFa056JBvmm6p5xsiy6LbAro"
    "8W5M426mPVv1eH1LYBm39+GU3AqxODEbFZYKtfwxrwD0ERhJ/94FZegRPohgGpsOb1jFiF"
    "WWATD5vpYNqNvEF6G+rlbeApPIWPuxdEDdwed2Q7XO8E1LMz7iLOXDdRku2p8rVfQCGm5B"
    "HaNjIFXqPc+52jZPJa5wLXOu+W10HGf76W+E8yhVgpxlmlf6n2jgGjvMHt01P1csivweXa"
    "Egv3VH+77AzYI3/q0icD9bLbPmWPbDi1dKMu4Z/SvsqGvln2legqtxJx+DFK6ceq815ckw"
    "iPuq3r8iEe6Tu+ylw1m6aU4TO1DZ+p6eTdSF33yMSsAOdmV3dPL+Ja1XgfUMC7aILcz8hV"
    "BJ7MWHsrz5vJWKdZrKs2RkWu2DKIh1kFmuBMESDMnIwWYslSYEbZS2Y/g9s7z3iA7i0YE/"
    "qzYtde+dVp2Nk+NAXFbjbzitVezR9KyALFH5pj4iqsI9X37aBc7YI2QD6YbotFovDOFEb+"
    "4Un6SrfpKw3Ztm6cSUjRvHis90frZBLQXjlmZSqTQN4O1RSLoibncgM4oj9kPCQPUFj2Jt"
    "aeL9H8nnSTp11l0G2ztvZvLiqyrwfdG5cdVn2M7UifIKtQAl5I0TyZWT2+u3U8Uhenwk5I"
    "0HiBpUfyUMrzGqeUntc6c1meqmTvo809VckMF832BWfHiL5OD3uOF9gL/InbcUvWFNKVfs"
    "nIhKpTwuSA/uoxND0LDvyYQ0VowiU7tfLtuEV3LQhkXDvi0g9vZDdGImfMSopOyCNkvsNg"
    "QDOMhkQuC5ycO/wSSdrAa4YEsZT+Yago4LL6F0hDs16G5tSGI2jb0St04gjn1GhMk8qrKm"
    "MyvoqrKkOUeYa1YxFRKtQ6XIrTS1ZVzip5IcvKOMwNlUkLBGdJgzRO20BjZUeMk7VsUksX"
    "LbLcWOcFiYxzLhDn/PoiYC/6v7LAVqbimjf4i3o5PAYPcOrWueypjIB8DXuejICUUXp19t"
    "bUu8rVFbRRMDUSnpqgpZXnnnHCPis9MldBzNTCB7LwcrSCy19u+X/aDMIH5xbw/44B1I0x"
    "IIbhUSONziV+GwwGkYmTdsxs8D0V+2eyd6bqd6PVfpqIBcrfxP45fAnzc2WAdk45rpC1Bd"
    "xhCSqZSSlrNBSCulmnXQViwYSKgWDlnQTU518G0MrKWG5y5cunTYpwftolEOCLU7Bs8c0O"
    "kmoWHCdlYuUykdWaLOV5XVLKW6ZaJX2vdaoP2uzQRWQ7rsY/lZnqcXI538vOd36zTWkuxK"
    "glE8oyYUpxK8eAJaU8bCt9r2NQk7doldsUYalNv2YM2EKhW+RoPI6m4LFXlEwefRU4+qLA"
    "UUMBPRY9Z4zRbRHxhZKzs4D7uuAjtBF9URkHjHAAeaZV5zOtmlanrUOw35Zr07K18JdQnc"
    "oW5VGa5knx6m036VvOhr5ZvmV5I1mTuS4QbUvnd+ETBRaC49fYSMu+V3+ckBH/IrFaHysN"
    "PlaKmPrYXNiW1c61iS4splsAsmh99QZClS48UR6qZLmLHZNia+E105HL8hw0unoWsUTlEb"
    "sORlPpYPMmQbbJ8+M4aIKD5BSq2SfKInaun6wHGDmr68WuLqBzn0VvUQ3uGBDMbixwIA/X"
    "MlkinY7Nf9BOPLmqxYqC+e08gyc7Wa/KF8iD7224bp5x8L1gZRrr7ISwKI1MAovZFFUkgY"
    "1sMuEJkWKTL+NsNkqUZ+3trEohwp8Za0lfFCmMXYTkNSMn80R3ZouQeaIvdXS9e0ltgTZX"
    "cOor1+3OsNP7dLzQBm/w+dfuecfPYRt51gixHLYb3FXPh8fAgiOX/t2+vGLNlj516pLf9o"
    "0gXMqBGiOU1Tjr4y5Ne8kNi1egLnE0EiWUp7115nFNMhh3h8MFrnCQ9bpkva6XzgBdWa8r"
    "YzOoANlGHukk8X1+hm3kxkB2dWpFXug+G6tB83orXmgftBwv9BLVNbzQITdXO6HPl+5gMK"
    "bfmLuI2Z24zJM9Dyq23YZ1eG/9S3QxtUeZd9iiGjW4h67Dar3pIxfaaS/0Rt4g3dA1EJGt"
    "HDf0LlzaK60zeWdvXTLNd88NNQ75vLYP6rPaPTvmYkB8u+iZetrt9NgzExps6xfeOMpm+N"
    "mgfd07BjPkjk2qFuF6+KbGfBwkSgTLDpyNEVUSOVujnMfDdW7gOcy+gOcwdf8OhwsuDuUL"
    "gbykkiivQnm3Lm2QklxW85dslpciv2ouS4f65hzqXHMoiGqURrrU813qGfpcYc9vU0NhWw"
    "nnb3RuSe/69r3rL30LchvayBgrAodx0NLK8xTrYZ/alMCS13Y889qOR2g7QqdctlEcIdmU"
    "32i7TrnNF95gi6oAwkH3BqL7fm+tu5X3cu5W3kt5HegbXaGQyg5SjZBsPy71ZdSsyiJQC6"
    "SoVi/Mnv4PWwe4gA=="
)
