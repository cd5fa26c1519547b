build-san/user/agent.o: user/agent.c user/agent.h user/options.h \
 user/portset.h headers/smbwatch_event.h user/loader.h user/output.h \
 user/strbuf.h user/pipeline.h user/recfile.h user/probe.h
user/agent.h:
user/options.h:
user/portset.h:
headers/smbwatch_event.h:
user/loader.h:
user/output.h:
user/strbuf.h:
user/pipeline.h:
user/recfile.h:
user/probe.h:
