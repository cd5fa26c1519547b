build-san/user/event_format.o: user/event_format.c user/event_format.h \
 headers/smbwatch_event.h user/strbuf.h user/json.h
user/event_format.h:
headers/smbwatch_event.h:
user/strbuf.h:
user/json.h:
