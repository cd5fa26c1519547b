build-san/tests/test_portset: tests/unit/test_portset.c user/portset.h \
 headers/smbwatch_event.h
user/portset.h:
headers/smbwatch_event.h:
