build-san/user/options.o: user/options.c user/options.h user/portset.h \
 headers/smbwatch_event.h user/version.h
user/options.h:
user/portset.h:
headers/smbwatch_event.h:
user/version.h:
