build-san/user/output.o: user/output.c user/event_format.h \
 headers/smbwatch_event.h user/strbuf.h user/output.h user/options.h \
 user/portset.h
user/event_format.h:
headers/smbwatch_event.h:
user/strbuf.h:
user/output.h:
user/options.h:
user/portset.h:
