build-san/user/loader.o: user/loader.c user/loader.h user/portset.h \
 headers/smbwatch_event.h user/probe.h build-san/smbwatch.skel.h
user/loader.h:
user/portset.h:
headers/smbwatch_event.h:
user/probe.h:
build-san/smbwatch.skel.h:
