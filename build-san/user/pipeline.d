build-san/user/pipeline.o: user/pipeline.c user/pipeline.h user/output.h \
 user/options.h user/portset.h headers/smbwatch_event.h user/strbuf.h \
 user/recfile.h
user/pipeline.h:
user/output.h:
user/options.h:
user/portset.h:
headers/smbwatch_event.h:
user/strbuf.h:
user/recfile.h:
