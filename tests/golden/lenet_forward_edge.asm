.chip edge
.tensor x addr=0x0 shape=2x8x8x1 dtype=fp32 kind=input role=input
.tensor conv1.w addr=0x200 shape=3x3x1x8 dtype=fp32 kind=param role=param
.tensor conv1.b addr=0x340 shape=8 dtype=fp32 kind=param role=param
.tensor conv4.w addr=0x380 shape=3x3x8x16 dtype=fp32 kind=param role=param
.tensor conv4.b addr=0x1580 shape=16 dtype=fp32 kind=param role=param
.tensor dense8.w addr=0x15c0 shape=64x32 dtype=fp32 kind=param role=param
.tensor dense8.b addr=0x35c0 shape=32 dtype=fp32 kind=param role=param
.tensor dense10.w addr=0x3640 shape=32x10 dtype=fp32 kind=param role=param
.tensor dense10.b addr=0x3b40 shape=10 dtype=fp32 kind=param role=param
.tensor logits addr=0x3b80 shape=2x10 dtype=fp32 kind=output role=output
.tensor __scratch addr=0x3c00 shape=5568 dtype=int8 kind=scratch role=scratch
.tensor __temp addr=0x51c0 shape=1152 dtype=int8 kind=scratch role=scratch
.tag x forward
load dram=0x0 dst=acc:815 rows=8 cols=16 stride=64 transpose=0 +push_next                            ; 0
vec op=COPY dst=sp:5731 src1=acc:815 src2=acc:815 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 1
store dram=0x3c00 src=sp:5731 rows=8 cols=16 stride=32 transpose=0 +pop_prev                         ; 2
.tag conv1.w forward
load dram=0x200 dst=acc:823 rows=4 cols=16 stride=64 transpose=0 +push_next                          ; 3
vec op=COPY dst=sp:5739 src1=acc:823 src2=acc:823 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 4
store dram=0x3d00 src=sp:5739 rows=4 cols=16 stride=32 transpose=0 +pop_prev                         ; 5
load dram=0x300 dst=acc:827 rows=1 cols=8 stride=32 transpose=0 +push_next                           ; 6
vec op=COPY dst=sp:5743 src1=acc:827 src2=acc:827 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 7
store dram=0x3d80 src=sp:5743 rows=1 cols=8 stride=16 transpose=0 +pop_prev                          ; 8
.tag conv1 forward
vec op=SET dst=sp:0 src1=sp:0 src2=sp:0 rows=8 cols=10 bcast1=0 bcast2=0 imm=0.0 +push_next          ; 9
store dram=0x51c0 src=sp:0 rows=1 cols=10 stride=20 transpose=0 +pop_prev                            ; 10
store dram=0x5274 src=sp:0 rows=1 cols=10 stride=20 transpose=0                                      ; 11
store dram=0x51d4 src=sp:0 rows=8 cols=1 stride=20 transpose=0                                       ; 12
store dram=0x51e6 src=sp:0 rows=8 cols=1 stride=20 transpose=0                                       ; 13
store dram=0x5288 src=sp:0 rows=1 cols=10 stride=20 transpose=0                                      ; 14
store dram=0x533c src=sp:0 rows=1 cols=10 stride=20 transpose=0                                      ; 15
store dram=0x529c src=sp:0 rows=8 cols=1 stride=20 transpose=0                                       ; 16
store dram=0x52ae src=sp:0 rows=8 cols=1 stride=20 transpose=0 +push_prev                            ; 17
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 18
load dram=0x3c00 dst=sp:8 rows=8 cols=8 stride=16 transpose=0 +pop_next                              ; 19
load dram=0x3c80 dst=sp:16 rows=8 cols=8 stride=16 transpose=0 +push_next                            ; 20
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 21
store dram=0x51d6 src=sp:8 rows=8 cols=8 stride=20 transpose=0 +pop_prev +push_prev                  ; 22
store dram=0x529e src=sp:16 rows=8 cols=8 stride=20 transpose=0                                      ; 23
vec op=SET dst=sp:0 src1=sp:0 src2=sp:0 rows=12 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_next ; 24
store dram=0x5380 src=sp:0 rows=12 cols=16 stride=32 transpose=0 +pop_prev +push_prev                ; 25
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 26
load dram=0x3d00 dst=sp:12 rows=3 cols=8 stride=16 transpose=0 +pop_next                             ; 27
load dram=0x3d00 dst=sp:15 rows=3 cols=8 stride=16 transpose=0                                       ; 28
load dram=0x3d30 dst=sp:18 rows=3 cols=8 stride=16 transpose=0                                       ; 29
load dram=0x3d30 dst=sp:21 rows=3 cols=8 stride=16 transpose=0                                       ; 30
load dram=0x3d60 dst=sp:24 rows=3 cols=8 stride=16 transpose=0                                       ; 31
load dram=0x3d60 dst=sp:27 rows=3 cols=8 stride=16 transpose=0 +push_next                            ; 32
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 33
store dram=0x5380 src=sp:12 rows=3 cols=8 stride=32 transpose=0 +pop_prev                            ; 34
store dram=0x53b0 src=sp:15 rows=3 cols=8 stride=32 transpose=0                                      ; 35
store dram=0x5400 src=sp:18 rows=3 cols=8 stride=32 transpose=0                                      ; 36
store dram=0x5430 src=sp:21 rows=3 cols=8 stride=32 transpose=0                                      ; 37
store dram=0x5480 src=sp:24 rows=3 cols=8 stride=32 transpose=0                                      ; 38
store dram=0x54b0 src=sp:27 rows=3 cols=8 stride=32 transpose=0 +push_prev                           ; 39
load dram=0x3d00 dst=sp:0 rows=3 cols=8 stride=16 transpose=0 +push_next                             ; 40
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 41
load dram=0x3d30 dst=sp:16 rows=3 cols=8 stride=16 transpose=0 +pop_next                             ; 42
load dram=0x3d60 dst=sp:32 rows=3 cols=8 stride=16 transpose=0                                       ; 43
load dram=0x51c0 dst=sp:48 rows=8 cols=3 stride=2 transpose=0                                        ; 44
load dram=0x51d4 dst=sp:56 rows=8 cols=3 stride=2 transpose=0                                        ; 45
load dram=0x51e8 dst=sp:64 rows=8 cols=3 stride=2 transpose=0                                        ; 46
load dram=0x51fc dst=sp:72 rows=8 cols=3 stride=2 transpose=0                                        ; 47
load dram=0x5210 dst=sp:80 rows=8 cols=3 stride=2 transpose=0                                        ; 48
load dram=0x5224 dst=sp:88 rows=8 cols=3 stride=2 transpose=0                                        ; 49
load dram=0x5238 dst=sp:96 rows=8 cols=3 stride=2 transpose=0                                        ; 50
load dram=0x524c dst=sp:104 rows=8 cols=3 stride=2 transpose=0 +push_next                            ; 51
load dram=0x5260 dst=sp:112 rows=8 cols=3 stride=2 transpose=0 +push_next                            ; 52
load dram=0x5274 dst=sp:120 rows=8 cols=3 stride=2 transpose=0 +push_next                            ; 53
preload src=0 rows=3 cols=8 +pop_prev                                                                ; 54
matmul x=48 y=0 out=512 t=64 rows=3 cols=8 accumulate=0 +pop_prev                                    ; 55
preload src=16 rows=3 cols=8                                                                         ; 56
matmul x=56 y=0 out=512 t=64 rows=3 cols=8 accumulate=1 +pop_prev                                    ; 57
preload src=32 rows=3 cols=8                                                                         ; 58
matmul x=64 y=0 out=512 t=64 rows=3 cols=8 accumulate=1 +pop_prev                                    ; 59
load dram=0x340 dst=acc:829 rows=1 cols=8 stride=32 transpose=0 +push_next                           ; 60
vec op=ADD dst=acc:0 src1=acc:512 src2=acc:829 rows=64 cols=8 bcast1=0 bcast2=1 imm=0.0 +pop_prev    ; 61
vec op=RELU dst=acc:831 src1=acc:0 src2=acc:0 rows=64 cols=8 bcast1=0 bcast2=0 imm=0.0               ; 62
load dram=0x5288 dst=sp:128 rows=8 cols=3 stride=2 transpose=0                                       ; 63
load dram=0x529c dst=sp:136 rows=8 cols=3 stride=2 transpose=0                                       ; 64
load dram=0x52b0 dst=sp:144 rows=8 cols=3 stride=2 transpose=0                                       ; 65
load dram=0x52c4 dst=sp:152 rows=8 cols=3 stride=2 transpose=0                                       ; 66
load dram=0x52d8 dst=sp:160 rows=8 cols=3 stride=2 transpose=0                                       ; 67
load dram=0x52ec dst=sp:168 rows=8 cols=3 stride=2 transpose=0                                       ; 68
load dram=0x5300 dst=sp:176 rows=8 cols=3 stride=2 transpose=0                                       ; 69
load dram=0x5314 dst=sp:184 rows=8 cols=3 stride=2 transpose=0 +push_next                            ; 70
load dram=0x5328 dst=sp:192 rows=8 cols=3 stride=2 transpose=0 +push_next                            ; 71
load dram=0x533c dst=sp:200 rows=8 cols=3 stride=2 transpose=0 +push_next                            ; 72
preload src=0 rows=3 cols=8                                                                          ; 73
matmul x=128 y=0 out=765 t=64 rows=3 cols=8 accumulate=0 +pop_prev                                   ; 74
preload src=16 rows=3 cols=8                                                                         ; 75
matmul x=136 y=0 out=765 t=64 rows=3 cols=8 accumulate=1 +pop_prev                                   ; 76
preload src=32 rows=3 cols=8                                                                         ; 77
matmul x=144 y=0 out=765 t=64 rows=3 cols=8 accumulate=1 +pop_prev                                   ; 78
vec op=ADD dst=acc:256 src1=acc:765 src2=acc:829 rows=64 cols=8 bcast1=0 bcast2=1 imm=0.0            ; 79
vec op=RELU dst=acc:895 src1=acc:256 src2=acc:256 rows=64 cols=8 bcast1=0 bcast2=0 imm=0.0           ; 80
.tag maxpool2d3 forward
vec op=COPY dst=acc:0 src1=acc:831 src2=acc:831 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0              ; 81
vec op=COPY dst=acc:1 src1=acc:833 src2=acc:833 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0              ; 82
vec op=COPY dst=acc:2 src1=acc:835 src2=acc:835 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0              ; 83
vec op=COPY dst=acc:3 src1=acc:837 src2=acc:837 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0              ; 84
vec op=COPY dst=acc:4 src1=acc:847 src2=acc:847 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0              ; 85
vec op=COPY dst=acc:5 src1=acc:849 src2=acc:849 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0              ; 86
vec op=COPY dst=acc:6 src1=acc:851 src2=acc:851 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0              ; 87
vec op=COPY dst=acc:7 src1=acc:853 src2=acc:853 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0              ; 88
vec op=COPY dst=acc:8 src1=acc:863 src2=acc:863 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0              ; 89
vec op=COPY dst=acc:9 src1=acc:865 src2=acc:865 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0              ; 90
vec op=COPY dst=acc:10 src1=acc:867 src2=acc:867 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 91
vec op=COPY dst=acc:11 src1=acc:869 src2=acc:869 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 92
vec op=COPY dst=acc:12 src1=acc:879 src2=acc:879 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 93
vec op=COPY dst=acc:13 src1=acc:881 src2=acc:881 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 94
vec op=COPY dst=acc:14 src1=acc:883 src2=acc:883 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 95
vec op=COPY dst=acc:15 src1=acc:885 src2=acc:885 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 96
vec op=COPY dst=acc:16 src1=acc:895 src2=acc:895 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 97
vec op=COPY dst=acc:17 src1=acc:897 src2=acc:897 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 98
vec op=COPY dst=acc:18 src1=acc:899 src2=acc:899 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 99
vec op=COPY dst=acc:19 src1=acc:901 src2=acc:901 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 100
vec op=COPY dst=acc:20 src1=acc:911 src2=acc:911 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 101
vec op=COPY dst=acc:21 src1=acc:913 src2=acc:913 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 102
vec op=COPY dst=acc:22 src1=acc:915 src2=acc:915 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 103
vec op=COPY dst=acc:23 src1=acc:917 src2=acc:917 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 104
vec op=COPY dst=acc:24 src1=acc:927 src2=acc:927 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 105
vec op=COPY dst=acc:25 src1=acc:929 src2=acc:929 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 106
vec op=COPY dst=acc:26 src1=acc:931 src2=acc:931 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 107
vec op=COPY dst=acc:27 src1=acc:933 src2=acc:933 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 108
vec op=COPY dst=acc:28 src1=acc:943 src2=acc:943 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 109
vec op=COPY dst=acc:29 src1=acc:945 src2=acc:945 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 110
vec op=COPY dst=acc:30 src1=acc:947 src2=acc:947 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 111
vec op=COPY dst=acc:31 src1=acc:949 src2=acc:949 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 112
vec op=COPY dst=acc:64 src1=acc:832 src2=acc:832 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 113
vec op=COPY dst=acc:65 src1=acc:834 src2=acc:834 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 114
vec op=COPY dst=acc:66 src1=acc:836 src2=acc:836 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 115
vec op=COPY dst=acc:67 src1=acc:838 src2=acc:838 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 116
vec op=COPY dst=acc:68 src1=acc:848 src2=acc:848 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 117
vec op=COPY dst=acc:69 src1=acc:850 src2=acc:850 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 118
vec op=COPY dst=acc:70 src1=acc:852 src2=acc:852 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 119
vec op=COPY dst=acc:71 src1=acc:854 src2=acc:854 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 120
vec op=COPY dst=acc:72 src1=acc:864 src2=acc:864 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 121
vec op=COPY dst=acc:73 src1=acc:866 src2=acc:866 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 122
vec op=COPY dst=acc:74 src1=acc:868 src2=acc:868 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 123
vec op=COPY dst=acc:75 src1=acc:870 src2=acc:870 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 124
vec op=COPY dst=acc:76 src1=acc:880 src2=acc:880 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 125
vec op=COPY dst=acc:77 src1=acc:882 src2=acc:882 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 126
vec op=COPY dst=acc:78 src1=acc:884 src2=acc:884 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 127
vec op=COPY dst=acc:79 src1=acc:886 src2=acc:886 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 128
vec op=COPY dst=acc:80 src1=acc:896 src2=acc:896 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 129
vec op=COPY dst=acc:81 src1=acc:898 src2=acc:898 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 130
vec op=COPY dst=acc:82 src1=acc:900 src2=acc:900 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 131
vec op=COPY dst=acc:83 src1=acc:902 src2=acc:902 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 132
vec op=COPY dst=acc:84 src1=acc:912 src2=acc:912 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 133
vec op=COPY dst=acc:85 src1=acc:914 src2=acc:914 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 134
vec op=COPY dst=acc:86 src1=acc:916 src2=acc:916 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 135
vec op=COPY dst=acc:87 src1=acc:918 src2=acc:918 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 136
vec op=COPY dst=acc:88 src1=acc:928 src2=acc:928 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 137
vec op=COPY dst=acc:89 src1=acc:930 src2=acc:930 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 138
vec op=COPY dst=acc:90 src1=acc:932 src2=acc:932 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 139
vec op=COPY dst=acc:91 src1=acc:934 src2=acc:934 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 140
vec op=COPY dst=acc:92 src1=acc:944 src2=acc:944 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 141
vec op=COPY dst=acc:93 src1=acc:946 src2=acc:946 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 142
vec op=COPY dst=acc:94 src1=acc:948 src2=acc:948 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 143
vec op=COPY dst=acc:95 src1=acc:950 src2=acc:950 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 144
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:64 rows=32 cols=8 bcast1=0 bcast2=0 imm=0.0                 ; 145
vec op=COPY dst=acc:64 src1=acc:839 src2=acc:839 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 146
vec op=COPY dst=acc:65 src1=acc:841 src2=acc:841 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 147
vec op=COPY dst=acc:66 src1=acc:843 src2=acc:843 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 148
vec op=COPY dst=acc:67 src1=acc:845 src2=acc:845 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 149
vec op=COPY dst=acc:68 src1=acc:855 src2=acc:855 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 150
vec op=COPY dst=acc:69 src1=acc:857 src2=acc:857 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 151
vec op=COPY dst=acc:70 src1=acc:859 src2=acc:859 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 152
vec op=COPY dst=acc:71 src1=acc:861 src2=acc:861 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 153
vec op=COPY dst=acc:72 src1=acc:871 src2=acc:871 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 154
vec op=COPY dst=acc:73 src1=acc:873 src2=acc:873 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 155
vec op=COPY dst=acc:74 src1=acc:875 src2=acc:875 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 156
vec op=COPY dst=acc:75 src1=acc:877 src2=acc:877 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 157
vec op=COPY dst=acc:76 src1=acc:887 src2=acc:887 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 158
vec op=COPY dst=acc:77 src1=acc:889 src2=acc:889 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 159
vec op=COPY dst=acc:78 src1=acc:891 src2=acc:891 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 160
vec op=COPY dst=acc:79 src1=acc:893 src2=acc:893 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 161
vec op=COPY dst=acc:80 src1=acc:903 src2=acc:903 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 162
vec op=COPY dst=acc:81 src1=acc:905 src2=acc:905 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 163
vec op=COPY dst=acc:82 src1=acc:907 src2=acc:907 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 164
vec op=COPY dst=acc:83 src1=acc:909 src2=acc:909 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 165
vec op=COPY dst=acc:84 src1=acc:919 src2=acc:919 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 166
vec op=COPY dst=acc:85 src1=acc:921 src2=acc:921 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 167
vec op=COPY dst=acc:86 src1=acc:923 src2=acc:923 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 168
vec op=COPY dst=acc:87 src1=acc:925 src2=acc:925 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 169
vec op=COPY dst=acc:88 src1=acc:935 src2=acc:935 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 170
vec op=COPY dst=acc:89 src1=acc:937 src2=acc:937 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 171
vec op=COPY dst=acc:90 src1=acc:939 src2=acc:939 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 172
vec op=COPY dst=acc:91 src1=acc:941 src2=acc:941 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 173
vec op=COPY dst=acc:92 src1=acc:951 src2=acc:951 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 174
vec op=COPY dst=acc:93 src1=acc:953 src2=acc:953 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 175
vec op=COPY dst=acc:94 src1=acc:955 src2=acc:955 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 176
vec op=COPY dst=acc:95 src1=acc:957 src2=acc:957 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 177
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:64 rows=32 cols=8 bcast1=0 bcast2=0 imm=0.0                 ; 178
vec op=COPY dst=acc:64 src1=acc:840 src2=acc:840 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 179
vec op=COPY dst=acc:65 src1=acc:842 src2=acc:842 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 180
vec op=COPY dst=acc:66 src1=acc:844 src2=acc:844 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 181
vec op=COPY dst=acc:67 src1=acc:846 src2=acc:846 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 182
vec op=COPY dst=acc:68 src1=acc:856 src2=acc:856 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 183
vec op=COPY dst=acc:69 src1=acc:858 src2=acc:858 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 184
vec op=COPY dst=acc:70 src1=acc:860 src2=acc:860 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 185
vec op=COPY dst=acc:71 src1=acc:862 src2=acc:862 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 186
vec op=COPY dst=acc:72 src1=acc:872 src2=acc:872 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 187
vec op=COPY dst=acc:73 src1=acc:874 src2=acc:874 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 188
vec op=COPY dst=acc:74 src1=acc:876 src2=acc:876 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 189
vec op=COPY dst=acc:75 src1=acc:878 src2=acc:878 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 190
vec op=COPY dst=acc:76 src1=acc:888 src2=acc:888 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 191
vec op=COPY dst=acc:77 src1=acc:890 src2=acc:890 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 192
vec op=COPY dst=acc:78 src1=acc:892 src2=acc:892 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 193
vec op=COPY dst=acc:79 src1=acc:894 src2=acc:894 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 194
vec op=COPY dst=acc:80 src1=acc:904 src2=acc:904 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 195
vec op=COPY dst=acc:81 src1=acc:906 src2=acc:906 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 196
vec op=COPY dst=acc:82 src1=acc:908 src2=acc:908 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 197
vec op=COPY dst=acc:83 src1=acc:910 src2=acc:910 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 198
vec op=COPY dst=acc:84 src1=acc:920 src2=acc:920 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 199
vec op=COPY dst=acc:85 src1=acc:922 src2=acc:922 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 200
vec op=COPY dst=acc:86 src1=acc:924 src2=acc:924 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 201
vec op=COPY dst=acc:87 src1=acc:926 src2=acc:926 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 202
vec op=COPY dst=acc:88 src1=acc:936 src2=acc:936 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 203
vec op=COPY dst=acc:89 src1=acc:938 src2=acc:938 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 204
vec op=COPY dst=acc:90 src1=acc:940 src2=acc:940 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 205
vec op=COPY dst=acc:91 src1=acc:942 src2=acc:942 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 206
vec op=COPY dst=acc:92 src1=acc:952 src2=acc:952 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 207
vec op=COPY dst=acc:93 src1=acc:954 src2=acc:954 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 208
vec op=COPY dst=acc:94 src1=acc:956 src2=acc:956 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 209
vec op=COPY dst=acc:95 src1=acc:958 src2=acc:958 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0             ; 210
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:64 rows=32 cols=8 bcast1=0 bcast2=0 imm=0.0                 ; 211
vec op=COPY dst=acc:959 src1=acc:0 src2=acc:0 rows=4 cols=8 bcast1=0 bcast2=0 imm=0.0 +push_next     ; 212
store dram=0x4dc0 src=acc:959 rows=4 cols=8 stride=32 transpose=0 +pop_prev                          ; 213
vec op=COPY dst=acc:963 src1=acc:4 src2=acc:4 rows=4 cols=8 bcast1=0 bcast2=0 imm=0.0 +push_next     ; 214
store dram=0x4e40 src=acc:963 rows=4 cols=8 stride=32 transpose=0 +pop_prev                          ; 215
vec op=COPY dst=acc:967 src1=acc:8 src2=acc:8 rows=4 cols=8 bcast1=0 bcast2=0 imm=0.0 +push_next     ; 216
store dram=0x4ec0 src=acc:967 rows=4 cols=8 stride=32 transpose=0 +pop_prev                          ; 217
vec op=COPY dst=acc:971 src1=acc:12 src2=acc:12 rows=4 cols=8 bcast1=0 bcast2=0 imm=0.0 +push_next   ; 218
store dram=0x4f40 src=acc:971 rows=4 cols=8 stride=32 transpose=0 +pop_prev                          ; 219
vec op=COPY dst=acc:975 src1=acc:16 src2=acc:16 rows=4 cols=8 bcast1=0 bcast2=0 imm=0.0 +push_next   ; 220
store dram=0x4fc0 src=acc:975 rows=4 cols=8 stride=32 transpose=0 +pop_prev                          ; 221
vec op=COPY dst=acc:979 src1=acc:20 src2=acc:20 rows=4 cols=8 bcast1=0 bcast2=0 imm=0.0 +push_next   ; 222
store dram=0x5040 src=acc:979 rows=4 cols=8 stride=32 transpose=0 +pop_prev                          ; 223
vec op=COPY dst=acc:983 src1=acc:24 src2=acc:24 rows=4 cols=8 bcast1=0 bcast2=0 imm=0.0 +push_next   ; 224
store dram=0x50c0 src=acc:983 rows=4 cols=8 stride=32 transpose=0 +pop_prev                          ; 225
vec op=COPY dst=acc:987 src1=acc:28 src2=acc:28 rows=4 cols=8 bcast1=0 bcast2=0 imm=0.0 +push_next   ; 226
store dram=0x5140 src=acc:987 rows=4 cols=8 stride=32 transpose=0 +pop_prev +push_prev               ; 227
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 228
load dram=0x4dc0 dst=acc:799 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next              ; 229
vec op=COPY dst=sp:5731 src1=acc:799 src2=acc:799 rows=16 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev ; 230
.tag conv4.w forward
load dram=0x380 dst=acc:687 rows=72 cols=16 stride=64 transpose=0 +push_next                         ; 231
vec op=COPY dst=sp:5747 src1=acc:687 src2=acc:687 rows=72 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev ; 232
.tag conv4 forward
vec op=SET dst=sp:0 src1=sp:0 src2=sp:0 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0 +push_next          ; 233
store dram=0x51c0 src=sp:0 rows=3 cols=16 stride=32 transpose=0 +pop_prev                            ; 234
store dram=0x53a0 src=sp:0 rows=3 cols=16 stride=32 transpose=0                                      ; 235
store dram=0x5220 src=sp:0 rows=4 cols=8 stride=96 transpose=0                                       ; 236
store dram=0x5270 src=sp:0 rows=4 cols=8 stride=96 transpose=0                                       ; 237
store dram=0x5400 src=sp:0 rows=3 cols=16 stride=32 transpose=0                                      ; 238
store dram=0x55e0 src=sp:0 rows=3 cols=16 stride=32 transpose=0                                      ; 239
store dram=0x5460 src=sp:0 rows=4 cols=8 stride=96 transpose=0                                       ; 240
store dram=0x54b0 src=sp:0 rows=4 cols=8 stride=96 transpose=0                                       ; 241
vec op=COPY dst=sp:4 src1=sp:5731 src2=sp:5731 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0              ; 242
vec op=COPY dst=sp:5 src1=sp:5733 src2=sp:5733 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0              ; 243
vec op=COPY dst=sp:6 src1=sp:5735 src2=sp:5735 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0              ; 244
vec op=COPY dst=sp:7 src1=sp:5737 src2=sp:5737 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0 +push_next   ; 245
vec op=COPY dst=sp:8 src1=sp:5732 src2=sp:5732 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0              ; 246
vec op=COPY dst=sp:9 src1=sp:5734 src2=sp:5734 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0              ; 247
vec op=COPY dst=sp:10 src1=sp:5736 src2=sp:5736 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 248
vec op=COPY dst=sp:11 src1=sp:5738 src2=sp:5738 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0 +push_next  ; 249
vec op=COPY dst=sp:12 src1=sp:5739 src2=sp:5739 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 250
vec op=COPY dst=sp:13 src1=sp:5741 src2=sp:5741 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 251
vec op=COPY dst=sp:14 src1=sp:5743 src2=sp:5743 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 252
vec op=COPY dst=sp:15 src1=sp:5745 src2=sp:5745 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0 +push_next  ; 253
vec op=COPY dst=sp:16 src1=sp:5740 src2=sp:5740 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 254
vec op=COPY dst=sp:17 src1=sp:5742 src2=sp:5742 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 255
vec op=COPY dst=sp:18 src1=sp:5744 src2=sp:5744 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 256
vec op=COPY dst=sp:19 src1=sp:5746 src2=sp:5746 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0 +push_next  ; 257
store dram=0x5230 src=sp:4 rows=4 cols=16 stride=96 transpose=0 +pop_prev                            ; 258
store dram=0x5250 src=sp:8 rows=4 cols=16 stride=96 transpose=0 +pop_prev                            ; 259
store dram=0x5470 src=sp:12 rows=4 cols=16 stride=96 transpose=0 +pop_prev                           ; 260
store dram=0x5490 src=sp:16 rows=4 cols=16 stride=96 transpose=0 +pop_prev +push_prev                ; 261
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 262
load dram=0x51c0 dst=sp:0 rows=4 cols=16 stride=16 transpose=0 +pop_next                             ; 263
load dram=0x5220 dst=sp:4 rows=4 cols=16 stride=16 transpose=0                                       ; 264
load dram=0x5280 dst=sp:8 rows=4 cols=16 stride=16 transpose=0                                       ; 265
load dram=0x52e0 dst=sp:12 rows=4 cols=16 stride=16 transpose=0                                      ; 266
load dram=0x5400 dst=sp:16 rows=4 cols=16 stride=16 transpose=0                                      ; 267
load dram=0x5460 dst=sp:20 rows=4 cols=16 stride=16 transpose=0                                      ; 268
load dram=0x54c0 dst=sp:24 rows=4 cols=16 stride=16 transpose=0                                      ; 269
load dram=0x5520 dst=sp:28 rows=4 cols=16 stride=16 transpose=0 +push_next                           ; 270
preload src=5747 rows=16 cols=16                                                                     ; 271
matmul x=0 y=0 out=128 t=32 rows=16 cols=16 accumulate=0 +pop_prev                                   ; 272
load dram=0x51e0 dst=sp:32 rows=4 cols=8 stride=16 transpose=0                                       ; 273
load dram=0x5240 dst=sp:36 rows=4 cols=8 stride=16 transpose=0                                       ; 274
load dram=0x52a0 dst=sp:40 rows=4 cols=8 stride=16 transpose=0                                       ; 275
load dram=0x5300 dst=sp:44 rows=4 cols=8 stride=16 transpose=0                                       ; 276
load dram=0x5420 dst=sp:48 rows=4 cols=8 stride=16 transpose=0                                       ; 277
load dram=0x5480 dst=sp:52 rows=4 cols=8 stride=16 transpose=0                                       ; 278
load dram=0x54e0 dst=sp:56 rows=4 cols=8 stride=16 transpose=0                                       ; 279
load dram=0x5540 dst=sp:60 rows=4 cols=8 stride=16 transpose=0 +push_next                            ; 280
preload src=5763 rows=8 cols=16                                                                      ; 281
matmul x=32 y=0 out=128 t=32 rows=8 cols=16 accumulate=1 +pop_prev                                   ; 282
load dram=0x5220 dst=sp:64 rows=4 cols=16 stride=16 transpose=0                                      ; 283
load dram=0x5280 dst=sp:68 rows=4 cols=16 stride=16 transpose=0                                      ; 284
load dram=0x52e0 dst=sp:72 rows=4 cols=16 stride=16 transpose=0                                      ; 285
load dram=0x5340 dst=sp:76 rows=4 cols=16 stride=16 transpose=0                                      ; 286
load dram=0x5460 dst=sp:80 rows=4 cols=16 stride=16 transpose=0                                      ; 287
load dram=0x54c0 dst=sp:84 rows=4 cols=16 stride=16 transpose=0                                      ; 288
load dram=0x5520 dst=sp:88 rows=4 cols=16 stride=16 transpose=0                                      ; 289
load dram=0x5580 dst=sp:92 rows=4 cols=16 stride=16 transpose=0 +push_next                           ; 290
preload src=5771 rows=16 cols=16                                                                     ; 291
matmul x=64 y=0 out=128 t=32 rows=16 cols=16 accumulate=1 +pop_prev                                  ; 292
load dram=0x5240 dst=sp:96 rows=4 cols=8 stride=16 transpose=0                                       ; 293
load dram=0x52a0 dst=sp:100 rows=4 cols=8 stride=16 transpose=0                                      ; 294
load dram=0x5300 dst=sp:104 rows=4 cols=8 stride=16 transpose=0                                      ; 295
load dram=0x5360 dst=sp:108 rows=4 cols=8 stride=16 transpose=0                                      ; 296
load dram=0x5480 dst=sp:112 rows=4 cols=8 stride=16 transpose=0                                      ; 297
load dram=0x54e0 dst=sp:116 rows=4 cols=8 stride=16 transpose=0                                      ; 298
load dram=0x5540 dst=sp:120 rows=4 cols=8 stride=16 transpose=0                                      ; 299
load dram=0x55a0 dst=sp:124 rows=4 cols=8 stride=16 transpose=0 +push_next                           ; 300
preload src=5787 rows=8 cols=16                                                                      ; 301
matmul x=96 y=0 out=128 t=32 rows=8 cols=16 accumulate=1 +pop_prev                                   ; 302
load dram=0x5280 dst=sp:128 rows=4 cols=16 stride=16 transpose=0                                     ; 303
load dram=0x52e0 dst=sp:132 rows=4 cols=16 stride=16 transpose=0                                     ; 304
load dram=0x5340 dst=sp:136 rows=4 cols=16 stride=16 transpose=0                                     ; 305
load dram=0x53a0 dst=sp:140 rows=4 cols=16 stride=16 transpose=0                                     ; 306
load dram=0x54c0 dst=sp:144 rows=4 cols=16 stride=16 transpose=0                                     ; 307
load dram=0x5520 dst=sp:148 rows=4 cols=16 stride=16 transpose=0                                     ; 308
load dram=0x5580 dst=sp:152 rows=4 cols=16 stride=16 transpose=0                                     ; 309
load dram=0x55e0 dst=sp:156 rows=4 cols=16 stride=16 transpose=0 +push_next                          ; 310
preload src=5795 rows=16 cols=16                                                                     ; 311
matmul x=128 y=0 out=128 t=32 rows=16 cols=16 accumulate=1 +pop_prev                                 ; 312
load dram=0x52a0 dst=sp:160 rows=4 cols=8 stride=16 transpose=0                                      ; 313
load dram=0x5300 dst=sp:164 rows=4 cols=8 stride=16 transpose=0                                      ; 314
load dram=0x5360 dst=sp:168 rows=4 cols=8 stride=16 transpose=0                                      ; 315
load dram=0x53c0 dst=sp:172 rows=4 cols=8 stride=16 transpose=0                                      ; 316
load dram=0x54e0 dst=sp:176 rows=4 cols=8 stride=16 transpose=0                                      ; 317
load dram=0x5540 dst=sp:180 rows=4 cols=8 stride=16 transpose=0                                      ; 318
load dram=0x55a0 dst=sp:184 rows=4 cols=8 stride=16 transpose=0                                      ; 319
load dram=0x5600 dst=sp:188 rows=4 cols=8 stride=16 transpose=0 +push_next                           ; 320
preload src=5811 rows=8 cols=16                                                                      ; 321
matmul x=160 y=0 out=128 t=32 rows=8 cols=16 accumulate=1 +pop_prev                                  ; 322
load dram=0x1580 dst=acc:829 rows=1 cols=16 stride=64 transpose=0 +push_next                         ; 323
vec op=ADD dst=acc:0 src1=acc:128 src2=acc:829 rows=32 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_prev   ; 324
vec op=RELU dst=acc:831 src1=acc:0 src2=acc:0 rows=32 cols=16 bcast1=0 bcast2=0 imm=0.0              ; 325
.tag maxpool2d6 forward
vec op=COPY dst=acc:0 src1=acc:831 src2=acc:831 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 326
vec op=COPY dst=acc:1 src1=acc:833 src2=acc:833 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 327
vec op=COPY dst=acc:2 src1=acc:839 src2=acc:839 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 328
vec op=COPY dst=acc:3 src1=acc:841 src2=acc:841 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 329
vec op=COPY dst=acc:4 src1=acc:847 src2=acc:847 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 330
vec op=COPY dst=acc:5 src1=acc:849 src2=acc:849 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 331
vec op=COPY dst=acc:6 src1=acc:855 src2=acc:855 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 332
vec op=COPY dst=acc:7 src1=acc:857 src2=acc:857 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 333
vec op=COPY dst=acc:16 src1=acc:832 src2=acc:832 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 334
vec op=COPY dst=acc:17 src1=acc:834 src2=acc:834 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 335
vec op=COPY dst=acc:18 src1=acc:840 src2=acc:840 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 336
vec op=COPY dst=acc:19 src1=acc:842 src2=acc:842 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 337
vec op=COPY dst=acc:20 src1=acc:848 src2=acc:848 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 338
vec op=COPY dst=acc:21 src1=acc:850 src2=acc:850 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 339
vec op=COPY dst=acc:22 src1=acc:856 src2=acc:856 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 340
vec op=COPY dst=acc:23 src1=acc:858 src2=acc:858 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 341
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:16 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0                 ; 342
vec op=COPY dst=acc:16 src1=acc:835 src2=acc:835 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 343
vec op=COPY dst=acc:17 src1=acc:837 src2=acc:837 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 344
vec op=COPY dst=acc:18 src1=acc:843 src2=acc:843 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 345
vec op=COPY dst=acc:19 src1=acc:845 src2=acc:845 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 346
vec op=COPY dst=acc:20 src1=acc:851 src2=acc:851 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 347
vec op=COPY dst=acc:21 src1=acc:853 src2=acc:853 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 348
vec op=COPY dst=acc:22 src1=acc:859 src2=acc:859 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 349
vec op=COPY dst=acc:23 src1=acc:861 src2=acc:861 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 350
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:16 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0                 ; 351
vec op=COPY dst=acc:16 src1=acc:836 src2=acc:836 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 352
vec op=COPY dst=acc:17 src1=acc:838 src2=acc:838 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 353
vec op=COPY dst=acc:18 src1=acc:844 src2=acc:844 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 354
vec op=COPY dst=acc:19 src1=acc:846 src2=acc:846 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 355
vec op=COPY dst=acc:20 src1=acc:852 src2=acc:852 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 356
vec op=COPY dst=acc:21 src1=acc:854 src2=acc:854 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 357
vec op=COPY dst=acc:22 src1=acc:860 src2=acc:860 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 358
vec op=COPY dst=acc:23 src1=acc:862 src2=acc:862 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 359
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:16 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0                 ; 360
vec op=COPY dst=acc:863 src1=acc:0 src2=acc:0 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0               ; 361
vec op=COPY dst=acc:865 src1=acc:2 src2=acc:2 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0               ; 362
vec op=COPY dst=acc:867 src1=acc:4 src2=acc:4 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0               ; 363
vec op=COPY dst=acc:869 src1=acc:6 src2=acc:6 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0               ; 364
.tag reshape7 forward
vec op=COPY dst=acc:827 src1=acc:863 src2=acc:863 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0           ; 365
vec op=COPY dst=acc:828 src1=acc:867 src2=acc:867 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0           ; 366
vec op=COPY dst=sp:5731 src1=acc:827 src2=acc:827 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0           ; 367
vec op=COPY dst=acc:829 src1=acc:864 src2=acc:864 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0           ; 368
vec op=COPY dst=acc:830 src1=acc:868 src2=acc:868 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0           ; 369
vec op=COPY dst=sp:5733 src1=acc:829 src2=acc:829 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0           ; 370
vec op=COPY dst=acc:827 src1=acc:865 src2=acc:865 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0           ; 371
vec op=COPY dst=acc:828 src1=acc:869 src2=acc:869 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0           ; 372
vec op=COPY dst=sp:5735 src1=acc:827 src2=acc:827 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0           ; 373
vec op=COPY dst=acc:829 src1=acc:866 src2=acc:866 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0           ; 374
vec op=COPY dst=acc:830 src1=acc:870 src2=acc:870 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0           ; 375
vec op=COPY dst=sp:5737 src1=acc:829 src2=acc:829 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0 +push_prev ; 376
.tag dense8.w forward
load dram=0x15c0 dst=acc:703 rows=64 cols=16 stride=128 transpose=0 +push_next                       ; 377
vec op=COPY dst=sp:5739 src1=acc:703 src2=acc:703 rows=64 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev ; 378
load dram=0x1600 dst=acc:767 rows=64 cols=16 stride=128 transpose=0 +pop_next +push_next             ; 379
vec op=COPY dst=sp:5803 src1=acc:767 src2=acc:767 rows=64 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev ; 380
.tag dense8 forward
preload src=5739 rows=16 cols=16                                                                     ; 381
matmul x=5731 y=0 out=8 t=2 rows=16 cols=16 accumulate=0                                             ; 382
preload src=5803 rows=16 cols=16                                                                     ; 383
matmul x=5731 y=0 out=10 t=2 rows=16 cols=16 accumulate=0                                            ; 384
preload src=5755 rows=16 cols=16                                                                     ; 385
matmul x=5733 y=0 out=8 t=2 rows=16 cols=16 accumulate=1                                             ; 386
preload src=5819 rows=16 cols=16                                                                     ; 387
matmul x=5733 y=0 out=10 t=2 rows=16 cols=16 accumulate=1                                            ; 388
preload src=5771 rows=16 cols=16                                                                     ; 389
matmul x=5735 y=0 out=8 t=2 rows=16 cols=16 accumulate=1                                             ; 390
preload src=5835 rows=16 cols=16                                                                     ; 391
matmul x=5735 y=0 out=10 t=2 rows=16 cols=16 accumulate=1                                            ; 392
preload src=5787 rows=16 cols=16                                                                     ; 393
matmul x=5737 y=0 out=8 t=2 rows=16 cols=16 accumulate=1                                             ; 394
preload src=5851 rows=16 cols=16                                                                     ; 395
matmul x=5737 y=0 out=10 t=2 rows=16 cols=16 accumulate=1                                            ; 396
load dram=0x35c0 dst=acc:828 rows=2 cols=16 stride=64 transpose=0 +pop_next +push_next               ; 397
vec op=ADD dst=acc:0 src1=acc:8 src2=acc:828 rows=2 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_prev      ; 398
vec op=RELU dst=acc:2 src1=acc:0 src2=acc:0 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0                 ; 399
vec op=COPY dst=sp:6144 src1=acc:2 src2=acc:2 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0               ; 400
vec op=ADD dst=acc:4 src1=acc:10 src2=acc:829 rows=2 cols=16 bcast1=0 bcast2=1 imm=0.0 +push_prev    ; 401
vec op=RELU dst=acc:6 src1=acc:4 src2=acc:4 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0                 ; 402
vec op=COPY dst=sp:6146 src1=acc:6 src2=acc:6 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0               ; 403
.tag dense10.w forward
load dram=0x3640 dst=acc:767 rows=32 cols=10 stride=40 transpose=0 +push_next                        ; 404
vec op=COPY dst=sp:5731 src1=acc:767 src2=acc:767 rows=32 cols=10 bcast1=0 bcast2=0 imm=0.0 +pop_prev ; 405
.tag dense10 forward
preload src=5731 rows=16 cols=10                                                                     ; 406
matmul x=6144 y=0 out=4 t=2 rows=16 cols=10 accumulate=0                                             ; 407
preload src=5747 rows=16 cols=10                                                                     ; 408
matmul x=6146 y=0 out=4 t=2 rows=16 cols=10 accumulate=1                                             ; 409
load dram=0x3b40 dst=acc:829 rows=1 cols=10 stride=40 transpose=0 +pop_next +push_next               ; 410
vec op=ADD dst=acc:0 src1=acc:4 src2=acc:829 rows=2 cols=10 bcast1=0 bcast2=1 imm=0.0 +pop_prev +push_next ; 411
store dram=0x3b80 src=acc:0 rows=2 cols=10 stride=40 transpose=0 +pop_prev                           ; 412
halt                                                                                                 ; 413
