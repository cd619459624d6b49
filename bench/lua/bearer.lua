-- GET with a bearer token (TOKEN is set by the bench).
wrk.headers["Authorization"] = "Bearer " .. TOKEN
