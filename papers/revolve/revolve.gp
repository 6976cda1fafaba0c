# gnuplot script written by papers/revolve; run: gnuplot revolve.gp
set terminal pngcairo size 1200,520 noenhanced
set output 'revolve.png'
set multiplot layout 1,2
set grid
set logscale x
set xlabel 'steps l'
set ylabel 'forward steps per step, t(l, s) / l'
set key top left
set title 'Binomial schedule: t(l, s) / l (schedule = formula)'
plot for [i=2:7] 'revolve-steps.dat' using 1:i with lines lw 2 title 's = '.word('2 3 5 10 20 50', i-1)
set logscale xy
set xlabel 'snapshots s'
set ylabel 'ratio to store-all'
set key top right
set title 'Lorenz RK4 adjoint, l = 100000: binomial vs store-all'
plot 'revolve-tradeoff.dat' using 1:2 with linespoints title 'time / store-all time', \
     '' using 1:3 with linespoints title 'memory / store-all memory', \
     '' using 1:4 with linespoints title 'forward steps / l'
unset multiplot
