#include <dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <omp.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
#define CHECK(x) do{dnnl_status_t s=(x); if(s!=dnnl_success){printf("fail %s: %d\n",#x,s);exit(1);}}while(0)
// C[m,n] = A[m,k] * B[k,n]; tb: B stored as [n,k] (transposed, like X·Wᵀ)
double run(dnnl_engine_t eng, dnnl_stream_t st, int bf16, long m, long n, long k, int tb, int reps, int any_b){
  dnnl_data_type_t t = bf16? dnnl_bf16: dnnl_f32;
  dnnl_memory_desc_t a,b,c; dnnl_dims_t ad={m,k}, bd={k,n}, cd={m,n};
  dnnl_dims_t as={k,1}, bs_n={n,1}, bs_t={1,k}, cs={n,1};
  CHECK(dnnl_memory_desc_init_by_strides(&a,2,ad,t,as));
  if(any_b) CHECK(dnnl_memory_desc_init_by_tag(&b,2,bd,t,dnnl_format_tag_any));
  else CHECK(dnnl_memory_desc_init_by_strides(&b,2,bd,t,tb?bs_t:bs_n));
  CHECK(dnnl_memory_desc_init_by_strides(&c,2,cd,dnnl_f32,cs));
  dnnl_matmul_desc_t d; CHECK(dnnl_matmul_desc_init(&d,&a,&b,NULL,&c));
  dnnl_primitive_desc_t pd; CHECK(dnnl_primitive_desc_create(&pd,&d,NULL,eng,NULL));
  const char*impl; dnnl_primitive_desc_query(pd,dnnl_query_impl_info_str,0,&impl);
  const dnnl_memory_desc_t *bq = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
  dnnl_primitive_t p; CHECK(dnnl_primitive_create(&p,pd));
  size_t es = bf16?2:4;
  void*A=aligned_alloc(64,m*k*es),*B=aligned_alloc(64,dnnl_memory_desc_get_size(bq)+64),*C=aligned_alloc(64,m*n*4);
  {unsigned short*a16=A; float*a32=A; for(long i=0;i<m*k;i++){ if(bf16) a16[i]=0x3f80+(i*7919%113); else a32[i]=(i%7)*0.1f;} unsigned short*b16=B; float*b32=B; long nb=dnnl_memory_desc_get_size(bq)/es; for(long i=0;i<nb;i++){ if(bf16) b16[i]=0x3f00+(i*104729%97); else b32[i]=(i%5)*0.1f;}}
  dnnl_memory_t ma,mb,mc; CHECK(dnnl_memory_create(&ma,&a,eng,A)); CHECK(dnnl_memory_create(&mb,bq,eng,B)); CHECK(dnnl_memory_create(&mc,&c,eng,C));
  dnnl_exec_arg_t args[3]={{DNNL_ARG_SRC,ma},{DNNL_ARG_WEIGHTS,mb},{DNNL_ARG_DST,mc}};
  CHECK(dnnl_primitive_execute(p,st,3,args)); dnnl_stream_wait(st);
  double best=1e9; for(int r=0;r<reps;r++){double t0=now(); CHECK(dnnl_primitive_execute(p,st,3,args)); dnnl_stream_wait(st); double dt=now()-t0; if(dt<best)best=dt;}
  double g=2.0*m*n*k/best/1e9;
  printf("%s m%ld n%ld k%ld %s%s threads %d: %.0f GFLOPS  [%s]\n", bf16?"bf16":"f32 ", m,n,k, tb?"B^T":"B  ", any_b?" (B any/blocked)":"", omp_get_max_threads(), g, impl);
  return g;
}
int main(int argc,char**argv){
  int th=atoi(argv[1]); omp_set_num_threads(th);
  dnnl_engine_t eng; CHECK(dnnl_engine_create(&eng,dnnl_cpu,0)); dnnl_stream_t st; CHECK(dnnl_stream_create(&st,eng,dnnl_stream_default_flags));
  long shapes[][3]={{2048,2048,2048},{2048,3072,768},{2048,768,3072},{2048,768,768},{368,3072,768},{368,768,3072}};
  for(int i=0;i<6;i++){ run(eng,st,1,shapes[i][0],shapes[i][1],shapes[i][2],1,5,0); run(eng,st,1,shapes[i][0],shapes[i][1],shapes[i][2],1,5,1);}
  run(eng,st,0,2048,2048,2048,0,3,0);
}
