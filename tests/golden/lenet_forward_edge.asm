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
.tensor __scratch addr=0x3c00 shape=5056 dtype=int8 kind=scratch role=scratch
.tensor __temp addr=0x4fc0 shape=1152 dtype=int8 kind=scratch role=scratch
.tag x forward
load dram=0x0 dst=acc:847 rows=8 cols=16 stride=64 transpose=0 +push_next                            ; 0
vec op=COPY dst=sp:5731 src1=acc:847 src2=acc:847 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 1
store dram=0x3c00 src=sp:5731 rows=8 cols=16 stride=32 transpose=0 +pop_prev                         ; 2
.tag conv1.w forward
load dram=0x200 dst=acc:855 rows=4 cols=16 stride=64 transpose=0 +push_next                          ; 3
vec op=COPY dst=sp:5739 src1=acc:855 src2=acc:855 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 4
store dram=0x3d00 src=sp:5739 rows=4 cols=16 stride=32 transpose=0 +pop_prev                         ; 5
load dram=0x300 dst=acc:859 rows=1 cols=8 stride=32 transpose=0 +push_next                           ; 6
vec op=COPY dst=sp:5743 src1=acc:859 src2=acc:859 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 7
store dram=0x3d80 src=sp:5743 rows=1 cols=8 stride=16 transpose=0 +pop_prev                          ; 8
.tag conv1 forward
vec op=SET dst=sp:0 src1=sp:0 src2=sp:0 rows=8 cols=10 bcast1=0 bcast2=0 imm=0.0 +push_next          ; 9
store dram=0x4fc0 src=sp:0 rows=1 cols=10 stride=20 transpose=0 +pop_prev                            ; 10
store dram=0x5074 src=sp:0 rows=1 cols=10 stride=20 transpose=0                                      ; 11
store dram=0x4fd4 src=sp:0 rows=8 cols=1 stride=20 transpose=0                                       ; 12
store dram=0x4fe6 src=sp:0 rows=8 cols=1 stride=20 transpose=0                                       ; 13
store dram=0x5088 src=sp:0 rows=1 cols=10 stride=20 transpose=0                                      ; 14
store dram=0x513c src=sp:0 rows=1 cols=10 stride=20 transpose=0                                      ; 15
store dram=0x509c src=sp:0 rows=8 cols=1 stride=20 transpose=0                                       ; 16
store dram=0x50ae src=sp:0 rows=8 cols=1 stride=20 transpose=0 +push_prev                            ; 17
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 18
load dram=0x3c00 dst=sp:8 rows=8 cols=8 stride=16 transpose=0 +pop_next                              ; 19
load dram=0x3c80 dst=sp:16 rows=8 cols=8 stride=16 transpose=0 +push_next                            ; 20
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 21
store dram=0x4fd6 src=sp:8 rows=8 cols=8 stride=20 transpose=0 +pop_prev +push_prev                  ; 22
store dram=0x509e src=sp:16 rows=8 cols=8 stride=20 transpose=0                                      ; 23
vec op=SET dst=sp:0 src1=sp:0 src2=sp:0 rows=12 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_next ; 24
store dram=0x5180 src=sp:0 rows=12 cols=16 stride=32 transpose=0 +pop_prev +push_prev                ; 25
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 26
load dram=0x3d00 dst=sp:12 rows=3 cols=8 stride=16 transpose=0 +pop_next                             ; 27
load dram=0x3d00 dst=sp:15 rows=3 cols=8 stride=16 transpose=0                                       ; 28
load dram=0x3d30 dst=sp:18 rows=3 cols=8 stride=16 transpose=0                                       ; 29
load dram=0x3d30 dst=sp:21 rows=3 cols=8 stride=16 transpose=0                                       ; 30
load dram=0x3d60 dst=sp:24 rows=3 cols=8 stride=16 transpose=0                                       ; 31
load dram=0x3d60 dst=sp:27 rows=3 cols=8 stride=16 transpose=0 +push_next                            ; 32
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 33
store dram=0x5180 src=sp:12 rows=3 cols=8 stride=32 transpose=0 +pop_prev                            ; 34
store dram=0x51b0 src=sp:15 rows=3 cols=8 stride=32 transpose=0                                      ; 35
store dram=0x5200 src=sp:18 rows=3 cols=8 stride=32 transpose=0                                      ; 36
store dram=0x5230 src=sp:21 rows=3 cols=8 stride=32 transpose=0                                      ; 37
store dram=0x5280 src=sp:24 rows=3 cols=8 stride=32 transpose=0                                      ; 38
store dram=0x52b0 src=sp:27 rows=3 cols=8 stride=32 transpose=0 +push_prev                           ; 39
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 40
load dram=0x5180 dst=sp:0 rows=4 cols=16 stride=32 transpose=0 +pop_next +push_next                  ; 41
load dram=0x5200 dst=sp:16 rows=4 cols=16 stride=32 transpose=0                                      ; 42
load dram=0x5280 dst=sp:32 rows=4 cols=16 stride=32 transpose=0                                      ; 43
load dram=0x4fc0 dst=sp:48 rows=4 cols=4 stride=4 transpose=0                                        ; 44
load dram=0x4fd4 dst=sp:52 rows=4 cols=4 stride=4 transpose=0                                        ; 45
load dram=0x4fe8 dst=sp:56 rows=4 cols=4 stride=4 transpose=0                                        ; 46
load dram=0x4ffc dst=sp:60 rows=4 cols=4 stride=4 transpose=0                                        ; 47
load dram=0x5010 dst=sp:64 rows=4 cols=4 stride=4 transpose=0                                        ; 48
load dram=0x5024 dst=sp:68 rows=4 cols=4 stride=4 transpose=0                                        ; 49
load dram=0x5038 dst=sp:72 rows=4 cols=4 stride=4 transpose=0                                        ; 50
load dram=0x504c dst=sp:76 rows=4 cols=4 stride=4 transpose=0 +push_next                             ; 51
load dram=0x5060 dst=sp:80 rows=4 cols=4 stride=4 transpose=0 +push_next                             ; 52
load dram=0x5074 dst=sp:84 rows=4 cols=4 stride=4 transpose=0 +push_next                             ; 53
preload src=0 rows=4 cols=16 +pop_prev                                                               ; 54
matmul x=48 y=0 out=256 t=32 rows=4 cols=16 accumulate=0 +pop_prev                                   ; 55
preload src=16 rows=4 cols=16                                                                        ; 56
matmul x=52 y=0 out=256 t=32 rows=4 cols=16 accumulate=1 +pop_prev                                   ; 57
preload src=32 rows=4 cols=16                                                                        ; 58
matmul x=56 y=0 out=256 t=32 rows=4 cols=16 accumulate=1 +pop_prev                                   ; 59
load dram=0x340 dst=acc:845 rows=8 cols=1 stride=4 transpose=0                                       ; 60
load dram=0x340 dst=acc:853 rows=8 cols=1 stride=4 transpose=0                                       ; 61
move src=acc:845 dst=acc:861 rows=16 cols=1 transpose=1 +push_next                                   ; 62
vec op=ADD dst=acc:0 src1=acc:256 src2=acc:861 rows=32 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_prev   ; 63
vec op=RELU dst=acc:863 src1=acc:0 src2=acc:0 rows=32 cols=16 bcast1=0 bcast2=0 imm=0.0 +push_next   ; 64
store dram=0x3dc0 src=acc:863 rows=32 cols=16 stride=64 transpose=0 +pop_prev                        ; 65
load dram=0x5088 dst=sp:88 rows=4 cols=4 stride=4 transpose=0                                        ; 66
load dram=0x509c dst=sp:92 rows=4 cols=4 stride=4 transpose=0                                        ; 67
load dram=0x50b0 dst=sp:96 rows=4 cols=4 stride=4 transpose=0                                        ; 68
load dram=0x50c4 dst=sp:100 rows=4 cols=4 stride=4 transpose=0                                       ; 69
load dram=0x50d8 dst=sp:104 rows=4 cols=4 stride=4 transpose=0                                       ; 70
load dram=0x50ec dst=sp:108 rows=4 cols=4 stride=4 transpose=0                                       ; 71
load dram=0x5100 dst=sp:112 rows=4 cols=4 stride=4 transpose=0                                       ; 72
load dram=0x5114 dst=sp:116 rows=4 cols=4 stride=4 transpose=0 +push_next                            ; 73
load dram=0x5128 dst=sp:120 rows=4 cols=4 stride=4 transpose=0 +push_next                            ; 74
load dram=0x513c dst=sp:124 rows=4 cols=4 stride=4 transpose=0 +push_next                            ; 75
preload src=0 rows=4 cols=16                                                                         ; 76
matmul x=88 y=0 out=813 t=32 rows=4 cols=16 accumulate=0 +pop_prev                                   ; 77
preload src=16 rows=4 cols=16                                                                        ; 78
matmul x=92 y=0 out=813 t=32 rows=4 cols=16 accumulate=1 +pop_prev                                   ; 79
preload src=32 rows=4 cols=16                                                                        ; 80
matmul x=96 y=0 out=813 t=32 rows=4 cols=16 accumulate=1 +pop_prev                                   ; 81
vec op=ADD dst=acc:128 src1=acc:813 src2=acc:861 rows=32 cols=16 bcast1=0 bcast2=1 imm=0.0           ; 82
vec op=RELU dst=acc:895 src1=acc:128 src2=acc:128 rows=32 cols=16 bcast1=0 bcast2=0 imm=0.0 +push_next ; 83
store dram=0x45c0 src=acc:895 rows=32 cols=16 stride=64 transpose=0 +pop_prev +push_prev             ; 84
.tag maxpool2d3 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 85
load dram=0x3dc0 dst=acc:799 rows=4 cols=8 stride=64 transpose=0 +pop_next                           ; 86
load dram=0x3fc0 dst=acc:803 rows=4 cols=8 stride=64 transpose=0                                     ; 87
load dram=0x41c0 dst=acc:807 rows=4 cols=8 stride=64 transpose=0                                     ; 88
load dram=0x43c0 dst=acc:811 rows=4 cols=8 stride=64 transpose=0                                     ; 89
load dram=0x45c0 dst=acc:815 rows=4 cols=8 stride=64 transpose=0                                     ; 90
load dram=0x47c0 dst=acc:819 rows=4 cols=8 stride=64 transpose=0                                     ; 91
load dram=0x49c0 dst=acc:823 rows=4 cols=8 stride=64 transpose=0                                     ; 92
load dram=0x4bc0 dst=acc:827 rows=4 cols=8 stride=64 transpose=0                                     ; 93
load dram=0x3de0 dst=acc:0 rows=4 cols=8 stride=64 transpose=0                                       ; 94
load dram=0x3fe0 dst=acc:4 rows=4 cols=8 stride=64 transpose=0                                       ; 95
load dram=0x41e0 dst=acc:8 rows=4 cols=8 stride=64 transpose=0                                       ; 96
load dram=0x43e0 dst=acc:12 rows=4 cols=8 stride=64 transpose=0                                      ; 97
load dram=0x45e0 dst=acc:16 rows=4 cols=8 stride=64 transpose=0                                      ; 98
load dram=0x47e0 dst=acc:20 rows=4 cols=8 stride=64 transpose=0                                      ; 99
load dram=0x49e0 dst=acc:24 rows=4 cols=8 stride=64 transpose=0                                      ; 100
load dram=0x4be0 dst=acc:28 rows=4 cols=8 stride=64 transpose=0 +push_next                           ; 101
load dram=0x3ec0 dst=acc:64 rows=4 cols=8 stride=64 transpose=0                                      ; 102
load dram=0x40c0 dst=acc:68 rows=4 cols=8 stride=64 transpose=0                                      ; 103
load dram=0x42c0 dst=acc:72 rows=4 cols=8 stride=64 transpose=0                                      ; 104
load dram=0x44c0 dst=acc:76 rows=4 cols=8 stride=64 transpose=0                                      ; 105
load dram=0x46c0 dst=acc:80 rows=4 cols=8 stride=64 transpose=0                                      ; 106
load dram=0x48c0 dst=acc:84 rows=4 cols=8 stride=64 transpose=0                                      ; 107
load dram=0x4ac0 dst=acc:88 rows=4 cols=8 stride=64 transpose=0                                      ; 108
load dram=0x4cc0 dst=acc:92 rows=4 cols=8 stride=64 transpose=0 +push_next                           ; 109
load dram=0x3ee0 dst=acc:128 rows=4 cols=8 stride=64 transpose=0                                     ; 110
load dram=0x40e0 dst=acc:132 rows=4 cols=8 stride=64 transpose=0                                     ; 111
load dram=0x42e0 dst=acc:136 rows=4 cols=8 stride=64 transpose=0                                     ; 112
load dram=0x44e0 dst=acc:140 rows=4 cols=8 stride=64 transpose=0                                     ; 113
load dram=0x46e0 dst=acc:144 rows=4 cols=8 stride=64 transpose=0                                     ; 114
load dram=0x48e0 dst=acc:148 rows=4 cols=8 stride=64 transpose=0                                     ; 115
load dram=0x4ae0 dst=acc:152 rows=4 cols=8 stride=64 transpose=0                                     ; 116
load dram=0x4ce0 dst=acc:156 rows=4 cols=8 stride=64 transpose=0 +push_next                          ; 117
vec op=MAX dst=acc:799 src1=acc:799 src2=acc:0 rows=32 cols=8 bcast1=0 bcast2=0 imm=0.0 +pop_prev    ; 118
vec op=MAX dst=acc:799 src1=acc:799 src2=acc:64 rows=32 cols=8 bcast1=0 bcast2=0 imm=0.0 +pop_prev   ; 119
vec op=MAX dst=acc:799 src1=acc:799 src2=acc:128 rows=32 cols=8 bcast1=0 bcast2=0 imm=0.0 +pop_prev  ; 120
vec op=COPY dst=sp:0 src1=acc:799 src2=acc:799 rows=32 cols=8 bcast1=0 bcast2=0 imm=0.0              ; 121
vec op=COPY dst=sp:5731 src1=sp:0 src2=sp:0 rows=4 cols=8 bcast1=0 bcast2=0 imm=0.0 +push_next       ; 122
store dram=0x4dc0 src=sp:5731 rows=4 cols=8 stride=16 transpose=0 +pop_prev                          ; 123
vec op=COPY dst=sp:5735 src1=sp:4 src2=sp:4 rows=4 cols=8 bcast1=0 bcast2=0 imm=0.0 +push_next       ; 124
store dram=0x4e00 src=sp:5735 rows=4 cols=8 stride=16 transpose=0 +pop_prev                          ; 125
vec op=COPY dst=sp:5739 src1=sp:8 src2=sp:8 rows=4 cols=8 bcast1=0 bcast2=0 imm=0.0 +push_next       ; 126
store dram=0x4e40 src=sp:5739 rows=4 cols=8 stride=16 transpose=0 +pop_prev                          ; 127
vec op=COPY dst=sp:5743 src1=sp:12 src2=sp:12 rows=4 cols=8 bcast1=0 bcast2=0 imm=0.0 +push_next     ; 128
store dram=0x4e80 src=sp:5743 rows=4 cols=8 stride=16 transpose=0 +pop_prev                          ; 129
vec op=COPY dst=sp:5747 src1=sp:16 src2=sp:16 rows=4 cols=8 bcast1=0 bcast2=0 imm=0.0 +push_next     ; 130
store dram=0x4ec0 src=sp:5747 rows=4 cols=8 stride=16 transpose=0 +pop_prev                          ; 131
vec op=COPY dst=sp:5751 src1=sp:20 src2=sp:20 rows=4 cols=8 bcast1=0 bcast2=0 imm=0.0 +push_next     ; 132
store dram=0x4f00 src=sp:5751 rows=4 cols=8 stride=16 transpose=0 +pop_prev                          ; 133
vec op=COPY dst=sp:5755 src1=sp:24 src2=sp:24 rows=4 cols=8 bcast1=0 bcast2=0 imm=0.0 +push_next     ; 134
store dram=0x4f40 src=sp:5755 rows=4 cols=8 stride=16 transpose=0 +pop_prev                          ; 135
vec op=COPY dst=sp:5759 src1=sp:28 src2=sp:28 rows=4 cols=8 bcast1=0 bcast2=0 imm=0.0 +push_next     ; 136
store dram=0x4f80 src=sp:5759 rows=4 cols=8 stride=16 transpose=0 +pop_prev                          ; 137
.tag conv4.w forward
load dram=0x380 dst=acc:719 rows=72 cols=16 stride=64 transpose=0 +push_next                         ; 138
vec op=COPY dst=sp:5763 src1=acc:719 src2=acc:719 rows=72 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev ; 139
.tag conv4 forward
vec op=SET dst=sp:0 src1=sp:0 src2=sp:0 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0 +push_next          ; 140
store dram=0x4fc0 src=sp:0 rows=3 cols=16 stride=32 transpose=0 +pop_prev                            ; 141
store dram=0x51a0 src=sp:0 rows=3 cols=16 stride=32 transpose=0                                      ; 142
store dram=0x5020 src=sp:0 rows=4 cols=8 stride=96 transpose=0                                       ; 143
store dram=0x5070 src=sp:0 rows=4 cols=8 stride=96 transpose=0                                       ; 144
store dram=0x5200 src=sp:0 rows=3 cols=16 stride=32 transpose=0                                      ; 145
store dram=0x53e0 src=sp:0 rows=3 cols=16 stride=32 transpose=0                                      ; 146
store dram=0x5260 src=sp:0 rows=4 cols=8 stride=96 transpose=0                                       ; 147
store dram=0x52b0 src=sp:0 rows=4 cols=8 stride=96 transpose=0 +push_prev                            ; 148
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 149
load dram=0x4dc0 dst=sp:4 rows=4 cols=16 stride=64 transpose=0 +pop_next                             ; 150
load dram=0x4de0 dst=sp:8 rows=4 cols=16 stride=64 transpose=0                                       ; 151
load dram=0x4ec0 dst=sp:12 rows=4 cols=16 stride=64 transpose=0                                      ; 152
load dram=0x4ee0 dst=sp:16 rows=4 cols=16 stride=64 transpose=0 +push_next                           ; 153
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 154
store dram=0x5030 src=sp:4 rows=4 cols=16 stride=96 transpose=0 +pop_prev                            ; 155
store dram=0x5050 src=sp:8 rows=4 cols=16 stride=96 transpose=0                                      ; 156
store dram=0x5270 src=sp:12 rows=4 cols=16 stride=96 transpose=0                                     ; 157
store dram=0x5290 src=sp:16 rows=4 cols=16 stride=96 transpose=0 +push_prev                          ; 158
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 159
load dram=0x4fc0 dst=sp:0 rows=4 cols=16 stride=16 transpose=0 +pop_next                             ; 160
load dram=0x5020 dst=sp:4 rows=4 cols=16 stride=16 transpose=0                                       ; 161
load dram=0x5080 dst=sp:8 rows=4 cols=16 stride=16 transpose=0                                       ; 162
load dram=0x50e0 dst=sp:12 rows=4 cols=16 stride=16 transpose=0                                      ; 163
load dram=0x5200 dst=sp:16 rows=4 cols=16 stride=16 transpose=0                                      ; 164
load dram=0x5260 dst=sp:20 rows=4 cols=16 stride=16 transpose=0                                      ; 165
load dram=0x52c0 dst=sp:24 rows=4 cols=16 stride=16 transpose=0                                      ; 166
load dram=0x5320 dst=sp:28 rows=4 cols=16 stride=16 transpose=0 +push_next                           ; 167
preload src=5763 rows=16 cols=16                                                                     ; 168
matmul x=0 y=0 out=128 t=32 rows=16 cols=16 accumulate=0 +pop_prev                                   ; 169
load dram=0x4fe0 dst=sp:32 rows=4 cols=8 stride=16 transpose=0                                       ; 170
load dram=0x5040 dst=sp:36 rows=4 cols=8 stride=16 transpose=0                                       ; 171
load dram=0x50a0 dst=sp:40 rows=4 cols=8 stride=16 transpose=0                                       ; 172
load dram=0x5100 dst=sp:44 rows=4 cols=8 stride=16 transpose=0                                       ; 173
load dram=0x5220 dst=sp:48 rows=4 cols=8 stride=16 transpose=0                                       ; 174
load dram=0x5280 dst=sp:52 rows=4 cols=8 stride=16 transpose=0                                       ; 175
load dram=0x52e0 dst=sp:56 rows=4 cols=8 stride=16 transpose=0                                       ; 176
load dram=0x5340 dst=sp:60 rows=4 cols=8 stride=16 transpose=0 +push_next                            ; 177
preload src=5779 rows=8 cols=16                                                                      ; 178
matmul x=32 y=0 out=128 t=32 rows=8 cols=16 accumulate=1 +pop_prev                                   ; 179
load dram=0x5020 dst=sp:64 rows=4 cols=16 stride=16 transpose=0                                      ; 180
load dram=0x5080 dst=sp:68 rows=4 cols=16 stride=16 transpose=0                                      ; 181
load dram=0x50e0 dst=sp:72 rows=4 cols=16 stride=16 transpose=0                                      ; 182
load dram=0x5140 dst=sp:76 rows=4 cols=16 stride=16 transpose=0                                      ; 183
load dram=0x5260 dst=sp:80 rows=4 cols=16 stride=16 transpose=0                                      ; 184
load dram=0x52c0 dst=sp:84 rows=4 cols=16 stride=16 transpose=0                                      ; 185
load dram=0x5320 dst=sp:88 rows=4 cols=16 stride=16 transpose=0                                      ; 186
load dram=0x5380 dst=sp:92 rows=4 cols=16 stride=16 transpose=0 +push_next                           ; 187
preload src=5787 rows=16 cols=16                                                                     ; 188
matmul x=64 y=0 out=128 t=32 rows=16 cols=16 accumulate=1 +pop_prev                                  ; 189
load dram=0x5040 dst=sp:96 rows=4 cols=8 stride=16 transpose=0                                       ; 190
load dram=0x50a0 dst=sp:100 rows=4 cols=8 stride=16 transpose=0                                      ; 191
load dram=0x5100 dst=sp:104 rows=4 cols=8 stride=16 transpose=0                                      ; 192
load dram=0x5160 dst=sp:108 rows=4 cols=8 stride=16 transpose=0                                      ; 193
load dram=0x5280 dst=sp:112 rows=4 cols=8 stride=16 transpose=0                                      ; 194
load dram=0x52e0 dst=sp:116 rows=4 cols=8 stride=16 transpose=0                                      ; 195
load dram=0x5340 dst=sp:120 rows=4 cols=8 stride=16 transpose=0                                      ; 196
load dram=0x53a0 dst=sp:124 rows=4 cols=8 stride=16 transpose=0 +push_next                           ; 197
preload src=5803 rows=8 cols=16                                                                      ; 198
matmul x=96 y=0 out=128 t=32 rows=8 cols=16 accumulate=1 +pop_prev                                   ; 199
load dram=0x5080 dst=sp:128 rows=4 cols=16 stride=16 transpose=0                                     ; 200
load dram=0x50e0 dst=sp:132 rows=4 cols=16 stride=16 transpose=0                                     ; 201
load dram=0x5140 dst=sp:136 rows=4 cols=16 stride=16 transpose=0                                     ; 202
load dram=0x51a0 dst=sp:140 rows=4 cols=16 stride=16 transpose=0                                     ; 203
load dram=0x52c0 dst=sp:144 rows=4 cols=16 stride=16 transpose=0                                     ; 204
load dram=0x5320 dst=sp:148 rows=4 cols=16 stride=16 transpose=0                                     ; 205
load dram=0x5380 dst=sp:152 rows=4 cols=16 stride=16 transpose=0                                     ; 206
load dram=0x53e0 dst=sp:156 rows=4 cols=16 stride=16 transpose=0 +push_next                          ; 207
preload src=5811 rows=16 cols=16                                                                     ; 208
matmul x=128 y=0 out=128 t=32 rows=16 cols=16 accumulate=1 +pop_prev                                 ; 209
load dram=0x50a0 dst=sp:160 rows=4 cols=8 stride=16 transpose=0                                      ; 210
load dram=0x5100 dst=sp:164 rows=4 cols=8 stride=16 transpose=0                                      ; 211
load dram=0x5160 dst=sp:168 rows=4 cols=8 stride=16 transpose=0                                      ; 212
load dram=0x51c0 dst=sp:172 rows=4 cols=8 stride=16 transpose=0                                      ; 213
load dram=0x52e0 dst=sp:176 rows=4 cols=8 stride=16 transpose=0                                      ; 214
load dram=0x5340 dst=sp:180 rows=4 cols=8 stride=16 transpose=0                                      ; 215
load dram=0x53a0 dst=sp:184 rows=4 cols=8 stride=16 transpose=0                                      ; 216
load dram=0x5400 dst=sp:188 rows=4 cols=8 stride=16 transpose=0 +push_next                           ; 217
preload src=5827 rows=8 cols=16                                                                      ; 218
matmul x=160 y=0 out=128 t=32 rows=8 cols=16 accumulate=1 +pop_prev                                  ; 219
load dram=0x1580 dst=acc:861 rows=1 cols=16 stride=64 transpose=0 +push_next                         ; 220
vec op=ADD dst=acc:0 src1=acc:128 src2=acc:861 rows=32 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_prev   ; 221
vec op=RELU dst=acc:863 src1=acc:0 src2=acc:0 rows=32 cols=16 bcast1=0 bcast2=0 imm=0.0              ; 222
.tag maxpool2d6 forward
vec op=COPY dst=acc:847 src1=acc:863 src2=acc:863 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0           ; 223
vec op=COPY dst=acc:848 src1=acc:865 src2=acc:865 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0           ; 224
vec op=COPY dst=acc:849 src1=acc:871 src2=acc:871 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0           ; 225
vec op=COPY dst=acc:850 src1=acc:873 src2=acc:873 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0           ; 226
vec op=COPY dst=acc:851 src1=acc:879 src2=acc:879 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0           ; 227
vec op=COPY dst=acc:852 src1=acc:881 src2=acc:881 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0           ; 228
vec op=COPY dst=acc:853 src1=acc:887 src2=acc:887 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0           ; 229
vec op=COPY dst=acc:854 src1=acc:889 src2=acc:889 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0           ; 230
vec op=COPY dst=acc:0 src1=acc:864 src2=acc:864 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 231
vec op=COPY dst=acc:1 src1=acc:866 src2=acc:866 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 232
vec op=COPY dst=acc:2 src1=acc:872 src2=acc:872 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 233
vec op=COPY dst=acc:3 src1=acc:874 src2=acc:874 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 234
vec op=COPY dst=acc:4 src1=acc:880 src2=acc:880 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 235
vec op=COPY dst=acc:5 src1=acc:882 src2=acc:882 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 236
vec op=COPY dst=acc:6 src1=acc:888 src2=acc:888 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 237
vec op=COPY dst=acc:7 src1=acc:890 src2=acc:890 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 238
vec op=COPY dst=acc:16 src1=acc:867 src2=acc:867 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 239
vec op=COPY dst=acc:17 src1=acc:869 src2=acc:869 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 240
vec op=COPY dst=acc:18 src1=acc:875 src2=acc:875 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 241
vec op=COPY dst=acc:19 src1=acc:877 src2=acc:877 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 242
vec op=COPY dst=acc:20 src1=acc:883 src2=acc:883 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 243
vec op=COPY dst=acc:21 src1=acc:885 src2=acc:885 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 244
vec op=COPY dst=acc:22 src1=acc:891 src2=acc:891 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 245
vec op=COPY dst=acc:23 src1=acc:893 src2=acc:893 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 246
vec op=COPY dst=acc:32 src1=acc:868 src2=acc:868 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 247
vec op=COPY dst=acc:33 src1=acc:870 src2=acc:870 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 248
vec op=COPY dst=acc:34 src1=acc:876 src2=acc:876 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 249
vec op=COPY dst=acc:35 src1=acc:878 src2=acc:878 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 250
vec op=COPY dst=acc:36 src1=acc:884 src2=acc:884 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 251
vec op=COPY dst=acc:37 src1=acc:886 src2=acc:886 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 252
vec op=COPY dst=acc:38 src1=acc:892 src2=acc:892 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 253
vec op=COPY dst=acc:39 src1=acc:894 src2=acc:894 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0            ; 254
vec op=MAX dst=acc:847 src1=acc:847 src2=acc:0 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0              ; 255
vec op=MAX dst=acc:847 src1=acc:847 src2=acc:16 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 256
vec op=MAX dst=acc:847 src1=acc:847 src2=acc:32 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 257
vec op=COPY dst=sp:0 src1=acc:847 src2=acc:847 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0 +push_prev   ; 258
vec op=COPY dst=sp:5731 src1=sp:0 src2=sp:0 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0                 ; 259
vec op=COPY dst=sp:5733 src1=sp:2 src2=sp:2 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0                 ; 260
vec op=COPY dst=sp:5735 src1=sp:4 src2=sp:4 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0                 ; 261
vec op=COPY dst=sp:5737 src1=sp:6 src2=sp:6 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0                 ; 262
.tag dense8.w forward
load dram=0x15c0 dst=acc:735 rows=64 cols=16 stride=128 transpose=0 +push_next                       ; 263
vec op=COPY dst=sp:5739 src1=acc:735 src2=acc:735 rows=64 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev ; 264
load dram=0x1600 dst=acc:799 rows=64 cols=16 stride=128 transpose=0 +pop_next +push_next             ; 265
vec op=COPY dst=sp:5803 src1=acc:799 src2=acc:799 rows=64 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev ; 266
.tag dense8 forward
vec op=COPY dst=sp:4 src1=sp:5731 src2=sp:5731 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0              ; 267
vec op=COPY dst=sp:5 src1=sp:5735 src2=sp:5735 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0              ; 268
preload src=5739 rows=16 cols=16                                                                     ; 269
matmul x=4 y=0 out=8 t=2 rows=16 cols=16 accumulate=0                                                ; 270
preload src=5803 rows=16 cols=16                                                                     ; 271
matmul x=4 y=0 out=10 t=2 rows=16 cols=16 accumulate=0                                               ; 272
vec op=COPY dst=sp:6 src1=sp:5732 src2=sp:5732 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0              ; 273
vec op=COPY dst=sp:7 src1=sp:5736 src2=sp:5736 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0              ; 274
preload src=5755 rows=16 cols=16                                                                     ; 275
matmul x=6 y=0 out=8 t=2 rows=16 cols=16 accumulate=1                                                ; 276
preload src=5819 rows=16 cols=16                                                                     ; 277
matmul x=6 y=0 out=10 t=2 rows=16 cols=16 accumulate=1                                               ; 278
vec op=COPY dst=sp:8 src1=sp:5733 src2=sp:5733 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0              ; 279
vec op=COPY dst=sp:9 src1=sp:5737 src2=sp:5737 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0              ; 280
preload src=5771 rows=16 cols=16                                                                     ; 281
matmul x=8 y=0 out=8 t=2 rows=16 cols=16 accumulate=1                                                ; 282
preload src=5835 rows=16 cols=16                                                                     ; 283
matmul x=8 y=0 out=10 t=2 rows=16 cols=16 accumulate=1                                               ; 284
vec op=COPY dst=sp:10 src1=sp:5734 src2=sp:5734 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 285
vec op=COPY dst=sp:11 src1=sp:5738 src2=sp:5738 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0             ; 286
preload src=5787 rows=16 cols=16                                                                     ; 287
matmul x=10 y=0 out=8 t=2 rows=16 cols=16 accumulate=1                                               ; 288
preload src=5851 rows=16 cols=16                                                                     ; 289
matmul x=10 y=0 out=10 t=2 rows=16 cols=16 accumulate=1                                              ; 290
load dram=0x35c0 dst=acc:860 rows=2 cols=16 stride=64 transpose=0 +pop_next +push_next               ; 291
vec op=ADD dst=acc:0 src1=acc:8 src2=acc:860 rows=2 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_prev      ; 292
vec op=RELU dst=acc:2 src1=acc:0 src2=acc:0 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0                 ; 293
vec op=COPY dst=sp:6144 src1=acc:2 src2=acc:2 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0               ; 294
vec op=ADD dst=acc:4 src1=acc:10 src2=acc:861 rows=2 cols=16 bcast1=0 bcast2=1 imm=0.0 +push_prev    ; 295
vec op=RELU dst=acc:6 src1=acc:4 src2=acc:4 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0                 ; 296
vec op=COPY dst=sp:6146 src1=acc:6 src2=acc:6 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0               ; 297
.tag dense10.w forward
load dram=0x3640 dst=acc:799 rows=32 cols=10 stride=40 transpose=0 +push_next                        ; 298
vec op=COPY dst=sp:5731 src1=acc:799 src2=acc:799 rows=32 cols=10 bcast1=0 bcast2=0 imm=0.0 +pop_prev ; 299
.tag dense10 forward
preload src=5731 rows=16 cols=10                                                                     ; 300
matmul x=6144 y=0 out=4 t=2 rows=16 cols=10 accumulate=0                                             ; 301
preload src=5747 rows=16 cols=10                                                                     ; 302
matmul x=6146 y=0 out=4 t=2 rows=16 cols=10 accumulate=1                                             ; 303
load dram=0x3b40 dst=acc:861 rows=1 cols=10 stride=40 transpose=0 +pop_next +push_next               ; 304
vec op=ADD dst=acc:0 src1=acc:4 src2=acc:861 rows=2 cols=10 bcast1=0 bcast2=1 imm=0.0 +pop_prev +push_next ; 305
store dram=0x3b80 src=acc:0 rows=2 cols=10 stride=40 transpose=0 +pop_prev                           ; 306
halt                                                                                                 ; 307
