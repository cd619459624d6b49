-- POST /api/auth/login/ with a correct password (EMAIL, PASSWORD set by the bench).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format('{"email": "%s", "password": "%s"}', EMAIL, PASSWORD)
