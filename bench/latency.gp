# SPDX-License-Identifier: MIT
# The picture of bench/RESULTS.md: median start+wait latency of each method
# in each start scenario (log scale, so that fork in a 1 GiB parent fits
# beside the rest), and below it the throughput of capture and communicate.
#
#   gnuplot -e "datadir='DIR'" -e "out='latency.png'" latency.gp
if (!exists("datadir")) datadir = "."
if (!exists("out")) out = "latency.png"

set terminal pngcairo size 1400,1050 font "sans,10" noenhanced
set output out
set datafile missing "?"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set key inside top center horizontal opaque
set grid ytics
set xtics rotate by -30 left nomirror
set multiplot layout 2,1

set size 1,0.6
set origin 0,0.4
set bmargin 7
set title "median start+wait per child (us, log scale; lower is better)"
set logscale y
set ylabel "microseconds"
set yrange [10:1000000]
plot for [c=2:6] datadir."/latency.dat" using c:xtic(1) title columnheader(c)

set size 1,0.4
set origin 0,0
unset logscale y
set yrange [0:*]
set title "capture of 256 MiB and communicate of 64 MiB each way (MiB/s of payload; higher is better)"
set key inside top right vertical opaque
set ylabel "MiB/s"
plot for [c=2:3] datadir."/io.dat" using c:xtic(1) title columnheader(c)
unset multiplot
