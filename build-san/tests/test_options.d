build-san/tests/test_options: tests/unit/test_options.c user/options.h \
 user/portset.h headers/smbwatch_event.h
user/options.h:
user/portset.h:
headers/smbwatch_event.h:
