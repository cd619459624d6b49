from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "appointments" ADD "attendance_recorded_at" TIMESTAMP;
        ALTER TABLE "appointments" ADD "attendance" VARCHAR(16) /* ATTENDED: attended\nNO_SHOW: no_show */;
        CREATE INDEX IF NOT EXISTS "idx_appointment_email_i_013ad9" ON "appointments" ("email_index", "created_at");
        CREATE INDEX IF NOT EXISTS "idx_appointment_status_fdc9bc" ON "appointments" ("status", "scheduled_datetime");
        CREATE INDEX IF NOT EXISTS "idx_appointment_created_c015f2" ON "appointments" ("created_at", "id");
        CREATE INDEX IF NOT EXISTS "idx_appointment_user_id_ca928a" ON "appointments" ("user_id", "created_at");
        CREATE INDEX IF NOT EXISTS "idx_appointment_status_fb5fce" ON "appointments" ("status", "late_cancellation", "reschedule_count", "attendance");
        CREATE INDEX IF NOT EXISTS "idx_appointment_status_83ad22" ON "appointments" ("status", "created_at", "id");
        CREATE INDEX IF NOT EXISTS "idx_rate_limit__bucket_a3ffc4" ON "rate_limit_hits" ("bucket", "at");"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP INDEX IF EXISTS "idx_rate_limit__bucket_a3ffc4";
        DROP INDEX IF EXISTS "idx_appointment_status_83ad22";
        DROP INDEX IF EXISTS "idx_appointment_status_fb5fce";
        DROP INDEX IF EXISTS "idx_appointment_user_id_ca928a";
        DROP INDEX IF EXISTS "idx_appointment_created_c015f2";
        DROP INDEX IF EXISTS "idx_appointment_status_fdc9bc";
        DROP INDEX IF EXISTS "idx_appointment_email_i_013ad9";
        ALTER TABLE "appointments" DROP COLUMN "attendance_recorded_at";
        ALTER TABLE "appointments" DROP COLUMN "attendance";"""


MODELS_STATE = (
    "eJztXetz2zYS/1c4/NJkxpfxK07OvbkZWWYSNbbkkZWm7fmGoUnIQk0BLB9S1Jz/91tAlP"
    "gCJZF6mKLxJTEJLED9FljsLhaLH+qQWsj23jQch2LiDxHx1XPlh0qMIYI/RMUHimo4TlTI"
    "XvjGvc3rG1FFXmDce75rmKzRvmF7CF5ZyDNd7PiYEnhLAttmL6kJFTF5iF4FBP8VIN2nD8"
    "gfIBcK/vNfeI2Jhb4jjz3+UPsY2Rb/WzVdZPjI0g3+hdhSWWX03XGR50FX3ow+/GVhJ/7E"
    "4d+t8srwqfzh6UBJtO35hh/w37PNXgIPuTo0mexmgx2goYFtnQO4vU4irDxzgKzAhh4s6M"
    "fH0NZW+rGhdd00iIls+JMNK3gJXYTd6yYNwmHr+4hYrOJaH8IqOo86/5bEZJnyjr/XZ7Rf"
    "vrQuP/CabJTfw8fYwZBEtZ2JP6BkXj0IsPWG0bCyB0SQy1gUmz3s08LJNns1nSjwwncDNJ"
    "8hVvTCQn0jsNkcVP/VD4jJMFJ4T+yf03+HnxarpuvtTk+/1Xq6rhaYsiZACTBhNvkBmKdp"
    "uxEg/K3KOmh+anRfnZy95hBQz39weSGHS33ihIZv6BG/I5RTozgJd3NguGK4U2Qp3OGzyy"
    "A+e7EA8hlaW8BXHRrfdRuRB38Aj2enC/D+tdHlkJ+dcsgpyOSpwG6HJce86InPshnSfex6"
    "vs6fMkBrxHQnDiDVg5khRjxJngL8fuIjbzOQRwvLDjBfgPHFVeeCtTz0vL/sEPSLVrvR/f"
    "3VdeM3jvtwEhZdddofZ/Xj4//i957WSLHBNtbhQoJaMqEsE7j4KMWAOaUEvyz4DuBWbvTP"
    "KUuCH4rzF4w9KIneVKUqDH5EKtEvjf6fiOtr+lp8yDYiOVJWFrmoj1w3tGq8LEN+ue20c4"
    "RRljTFBgubvvI/xcaev62VIWYC3AfY9jHx3rD+nsMKYFAleDTTRucsiimqTQGDWAMXuQxi"
    "Jqfu2dQvyaUkvWTVxlkV2fBZK04jwZAzqAWfyG32NKMi6p0Zc6qDiAUIgiAdYTQuyAf1Rm"
    "tfttof9a72a0v7eq4kW7sjt81P2uWXK+3yXJk7T+5IV/tFa/bYy6kgZ++ajXZTu+I1Q88H"
    "mo7kgkbjyfEKRuPJca7RyIpSPM16fTL8vQxLxBNQ3EJ6+oVFb+J11l68dmm9LwC+17rWbn"
    "uN65vEjLts9DRWcpxYu2ZvX52lmDRvRPna6n1S2KPyR6etpSfmvF7vD+ZkU43ApzqhY92w"
    "4jjOXs9e5TE9cOc+uCTTWyRHPRETp/iNySpitmLqCXwu/PeP46PTd6fvT85O30MV/p3zN+"
    "8WjIJWu5eaW39i38O6S+lQF/ka851fGcJSEjON7nJ/486cX0fH71cQZFArV5LxsiTcFjKx"
    "NXf2FxFhScqdiK6q6N17J7vm66d+PymriqTb2Mj02g6P1eZVS2v3QG+wMSI+KB29xocPoH"
    "D4Rr8PT7/f9rRreJx4PhqWUSmOzlaZiWmOxybiWXoeRugWn4lpWjkX92AuGut6PHLakU6P"
    "0lsQgi3WJFcuKLWRQfI2IQT0aW5AA9uypOdvdsyOTucqwY6LVi8l9r5cX2ggDjlroBL2kV"
    "j1m0prgJT0sTssJwrFTUiJWGWJKIpjWNGuEpGWsqpKTbnDben9G7apTMNmQSGu7iH4caFy"
    "tyLCQloJcRriWNxNSf062UKVtetGr6e1L5lfbvrNzFnX7ui3nzpfoT2qewM6roZWHWEKGp"
    "JJ3XKWbn4rcl2p8rqSDGQspEYkKDfA5aoFOLB9a6tD7Ek4AveE7eFkWcj1wLFKcj1JKble"
    "Fa4LJnv49Vk/5v1E6DbOD1HNEK4Rrbo/snxpbGpsPkUh26tiGiORaD7xYOr+ozDQlyGVRf"
    "YDdRF+IJ/RJKMypvAMzy58CZvZS0Sjt9EnusZ4HnweH07w0+EHo6kHAfpX2l+urtQcSSCB"
    "XQJsRvblwMsG8L1hPo4N19JzRjIazc7DpHxmId2Hz12U6xfLHsHRRmh7RuUzQJ8YooT6uI"
    "9NjsaakLVjTdVnoKaCnSgIVcNeE6mbsJm6DqqYK8xlrhpv3dnYnTfYnbZXJ+SYSKPHNCbK"
    "EkIuWzQ8HqbfGMR44D+J9c16yhNji08bzkXdSkcO9UjQLj14qHYIgp9rEA/zCDvaVwyixB"
    "o7V8YDqrxyqQ3EbJl9fQBvDJ/9i8jPCqGKg1yPEsNWRoYNg+BN2rGzrT6WH40sdEYt178p"
    "VFMFDs1Qcq53Nq3ycTj5R9JgnFFXZ1ws7eBMtLCteMYXGj/wCAiIGSMe9rP6VWZDyTipzc"
    "d7lnEZ786FJAM6y7mHp/KomGcjTiNdG6lZElNSCqKaodzkkfG9BXeB38hIJqtY08uRSn2x"
    "nwAv9XZkR1nC3dFs3DYbl5qalRHSj7QM2ZhULOxC2qolNjIwYItt7E9UkRUWLz9YaIGlay"
    "61vXoDpDisCjbRT54yRujRnijxdsBQspR7SkEXe1BcsLO9c4WCNeXScdbMWr85aVFVzKKa"
    "8s5GumVMCh3fy1LKg3sJrXMTB/eGmOBhMNSZs9ZE+oAGroBJubMgj3x3oVPHp5WeGBHSoc"
    "wCjFz8N1s/hNMhF+k88t0hfbIvUWr3Qb+PXB3GZiA8152PcYZQhgCmwWVOCC9MtqU7gBYM"
    "xCICI4dcHhIUBbTGzj6UFNAL25BSOoO5jKvKh7pecVUZv8PzGG8XNjUfkcXGliqw3eLFB4"
    "tMt/tpxSghyXLb7RJUCIX2+8qrAbUxUygOFM5vGAWvz5VvYO67Pm/wm+JT5RsiVviEiWkH"
    "Hh5BozNrTeEdZy26bXUi7bxq2XkRH8WCU4xukmqR0KzVLgKTeem0dOG4L4JenOYlYwd6Tb"
    "mkcjNCeZy05HFSefigbupS3uGDiqhLTUpGyPW4PXPr5yhN2UoLVSczVl1nuahWVaCYt/qe"
    "+j95PLYHezA2lXhj00gg7rE2B4bPtBdDeWUowAm27ik2BVOYhQax0tdib/iG219DbXpEOV"
    "k1cmIvUPkEGhVTnRKBF8dv364QeQG1ckMveNlibYoVLFjR8p3mM0KZorbskiY9AHVb0iru"
    "AUgEtwtWs3Twe/5Clom4X20Jo4F/T7+fKwgWlokyRJ4HH8qMcSOMWVWwB3+7dHygjF3Mzg"
    "krY+wPFFhB2NJCWG22/phGwBYc7IuXsi31Iz0B1fIEME4RJEixvmIGroi8ymGbqnbdaF3B"
    "YGZJ4e9IT7vSPnYb18BKZKMH16hIxKyLTOxgYQDVSvmmY9RSpSirUjjGxKaGQNasoNDFaC"
    "UDyjJAxo1v8XIZCxbfEok151Qyfrw6enE2fnxvM3urBdfzMKX3PJf3Hbnlp2M8fjbmAyz2"
    "LBdQH1b7Tabt3k42oKEjOhaZq9nGSWTESzokgN+7hFxXFCK96rVNc3K501ByCWfTsMQyEy"
    "OTaayqvM6YtoFZKsuA+KLruZYlxEwRS15XmdcWsgIH6QU3FJJU9dtXODxcZV/h8DB/X4GV"
    "yf3ZejuzZXK4l8j1vC2MCp5M3Z91cz8PplYT342dS32ePbgOQT0QaE14UgVbcPHig0U7cJ"
    "Sg6WVzJpSttgWXj7Tc2KrWxpa8r3xXLmUncEEgl87BEyOvsgdf7WofW7e9bqPX6rTZnYAP"
    "mIHMSu/ITeP29mune6l3NSA/VxzD88YU5BwsUsiPNhz1q1b7c7TrqNuYPJZxRG4+nwwTgf"
    "rA8AZFJkuCqMrMe/7osZhg+u5gGBYl9P0kZQ31/f3V77NmnfTsb/qAJTQflLyCJ0kq/Y1V"
    "njjzxTE3y/cFfsidQyLqGh1X/ufx8cnJu+PDk7P3b0/fvXv7/nA+rbJFi+bXResjm2IJLg"
    "vmnPRI1sw3VfETI/OMyAK7Pp4tOd+oT6RmXh5S21DY+Jum0WQnX5Gr9KnLAlunCYYV/hAm"
    "Qfh5GtzKM3AqhmkiWKx5PiOWYVZxaUCsbDDtVnqQ3oZqeRv4EZ7C290zohqKxz0Rh6vtgB"
    "a/XH3tK9Wrxs9Na/N0hFwXWwKv0cIbTeNk8iLTAheZ7pfXQcZ/vpT4T+ogohbjrNq50drn"
    "CqO8I41mU7vp8YsfubbEwj21325aXfZqOnThTVe7uWo02SsXObZhViX8U9pX+dDXy74SXQ"
    "dVIg4/QSn9WFWWxRWJ8KjavC4f4pG9gKnM5YpZShk+U9nwmYoO3q3kdY8NzA3gXO/s7tlJ"
    "XKkc710A/AoPsf8J+6rAk5koP1jkzWSs021WVR/gIldsmTQgLANNuKeoYMKcjDZmh6WUMb"
    "CXjn9Wvt0H5iPyvykDCj8rce3VNDsN29tHliDZzXa6WO7V/KFGLFCnTXNMfJVVBH3fDdPV"
    "zmhD5MPhNpskKq8MMPKHJ+kr3aWvNGLbqnEmEUX94rGOzlY5SQC1FpiVmZME8naoulgUFd"
    "mX66I+/JBBjz4iYdqbRPniFW1aE4Q8VJVBt/US7X/6uIhcD6vX7nTY5mNs+8YQ24UO4EUU"
    "9VszN4/vfm2PVMWpsBcraDLB0og+lvK8Jiml57XKXJa7KvlytL67Krnhovm+4PwY0ZfpYV"
    "/gBQ5Cf+Ju3JIVhXSpXzI2oKp0YLILv3qArMBG3WnMoSo04dKVDhbbcbPqehjIuHLE5TS8"
    "kd0Yib0BSyk6pCPEfIdhg1YUDYl9Fjg58fglklDAc4aEsZTTzVBRwOXmO5CGZrUMTcdFfe"
    "S68St0kggvyNGYJZVXVSbW+E1cVRmhzE9YezYVHYVahUtJesmqjbNKXsiyNA5zS2nSwoWz"
    "pEGapK2hsbInxslKNqltiCbZwljnGYmMcy4Q5/zyImCvO7+ywFam4lp35LN20ztXHpHjVz"
    "ntqYyAfAkyT0ZAyii9Kntrqp3lirvKBH6amQst3zXDvFAV21nPn+qbn97LHR8xk473xP45"
    "fQ57bmnE85L8VqXMtjmlvKLioKThVqXkYvWOe8Cu5+v8qcxQT5LL8V52vPO0+KW5kKCWTC"
    "jLBAdwK8eAOaX01JW+FCpM6Fc0RV6GsJTQrxgDdpAlD3s634Qr6DOLk0m/WQG/GQAHhgIe"
    "FXVSJuh2iPhMydlbwKe64Ai5GDoq4wkTNiAdYlV2iFU0tV0VIgV2nNiOzYW/hepU/lIep6"
    "nfKr55202GYeZDX+MwTHmdSc24Lljait7Intz582Y3nqfWvpD0w+cusvOyp9X5Fo68zTOJ"
    "1epY6Wi0UcS0UX1hm6dK1YeGMBNfAcjiyVlrCFX21Gp5qNJnZfdsFcvFa5uboQ0wc82BKt"
    "gODUsOFm2IGlGdyuyIyhDwNUPAR8j1hElZ8y24GIm8rWQ1PyybVAUQDqvXEN2jlW78PFpw"
    "4+eR4MZPSnxhxE5+YHyMZPex8M/j59tY1PuzJtN4+j/JYZul"
)
