build-san/tests/test_event_format: tests/unit/test_event_format.c \
 user/event_format.h headers/smbwatch_event.h user/strbuf.h
user/event_format.h:
headers/smbwatch_event.h:
user/strbuf.h:
