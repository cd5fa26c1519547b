build-san/tests/test_json: tests/unit/test_json.c user/json.h \
 user/strbuf.h
user/json.h:
user/strbuf.h:
