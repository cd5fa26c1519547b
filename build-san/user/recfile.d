build-san/user/recfile.o: user/recfile.c user/recfile.h \
 headers/smbwatch_event.h
user/recfile.h:
headers/smbwatch_event.h:
