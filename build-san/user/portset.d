build-san/user/portset.o: user/portset.c user/portset.h \
 headers/smbwatch_event.h
user/portset.h:
headers/smbwatch_event.h:
