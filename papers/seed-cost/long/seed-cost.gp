# gnuplot script written by papers/seed-cost; run: gnuplot seed-cost.gp
set terminal pngcairo size 900,600 noenhanced
set output 'seed-cost.png'
set logscale xy
set xlabel 'n (inputs of extended Rosenbrock)'
set ylabel 'time of the gradient / time of f'
set key top left
set grid
set title 'Cost of a gradient: forward mode grows with n, reverse mode does not'
plot 'seed-cost.dat' using 1:3 with linespoints title 'forward, ad_dualv (8 lanes)', \
     '' using 1:4 with linespoints title 'forward, ad_dual', \
     '' using 1:5 with linespoints title 'reverse: record + sweep', \
     '' using 1:6 with linespoints title 'reverse: sweep of a recorded tape'
